/* The table of devices. A new device is one file plus one line here. */
#include "devices.h"

extern const struct device_type uart_device, i8042_device, rtc_device,
	pci_device, fw_cfg_device, post_device, test_exit_device,
	acpi_pm_device, ata_device;

const struct device_type *const device_table[] = {
	&uart_device,		/* 16550A on 0x3f8-0x3ff, IRQ 4 */
	&i8042_device,		/* keyboard controller: 0x60, 0x64; reset line */
	&rtc_device,		/* CMOS RAM and RTC: 0x70-0x71 */
	&pci_device,		/* PCI host bridge: 0xcf8-0xcff */
	&fw_cfg_device,		/* QEMU firmware configuration: 0x510-0x51b */
	&post_device,		/* POST codes: 0x80 */
	&test_exit_device,	/* [test-exit] port, 0xf4 unless configured */
	&acpi_pm_device,	/* ACPI PM1a and PM timer: 0x600-0x60b */
	&ata_device,		/* [disk]: ATA at 0x1f0-0x1f7, 0x3f6, IRQ 14; PCI 00:01.0 */
	NULL,
};

void devices_init(struct vm *vm)
{
	for (const struct device_type *const *d = device_table; *d; d++)
		(*d)->init(vm);
}
