/*
 * PCI host bridge with configuration mechanism #1: address register at
 * 0xcf8 (32-bit accesses only), data at 0xcfc-0xcff. Byte port 0xcf9 is
 * the PIIX reset control register: setting its bit 2 resets the machine.
 *
 * Bus 0 holds one device, 00:00.0, the host bridge. It reports itself as
 * an Intel 440FX (8086:1237) with QEMU's subsystem ID (1af4:1100), which
 * is how SeaBIOS recognizes a machine it can run on. Its PAM and SMRAM
 * registers keep what is written but change nothing: the BIOS area below
 * 1 MiB is always RAM. Every other function is absent (reads all ones).
 */
#include <pthread.h>
#include <stdbool.h>

#include "devices.h"
#include "vm.h"

#define PCI_PORT	0xcf8
#define RCR_PORT	0xcf9
#define ADDR_ENABLE	0x80000000u

static struct pci {
	pthread_mutex_t lock;
	struct vm *vm;
	uint32_t addr;
	uint8_t bridge[256];	/* config space of 00:00.0 */
} pci = { .lock = PTHREAD_MUTEX_INITIALIZER };

static bool bridge_writable(unsigned off)
{
	return off == 0x04 || off == 0x05 ||	/* command */
	       (off >= 0x59 && off <= 0x5f) ||	/* PAM0-6 */
	       off == 0x72;			/* SMRAM */
}

static void config_access(struct pci *p, unsigned off, uint8_t *data,
			  unsigned len, bool is_write)
{
	uint32_t a = p->addr;
	unsigned bus = a >> 16 & 0xff, devfn = a >> 8 & 0xff;
	bool present = (a & ADDR_ENABLE) && bus == 0 && devfn == 0;

	for (unsigned i = 0; i < len; i++) {
		unsigned reg = ((a & 0xfc) + off + i) & 0xff;

		if (!is_write)
			data[i] = present ? p->bridge[reg] : 0xff;
		else if (present && bridge_writable(reg))
			p->bridge[reg] = data[i];
	}
}

static void pci_io(void *opaque, uint16_t port, uint8_t *data, unsigned len,
		   bool is_write)
{
	struct pci *p = opaque;
	unsigned off = port - PCI_PORT;

	pthread_mutex_lock(&p->lock);
	if (off >= 4) {
		if (off + len > 8)
			len = 8 - off;
		config_access(p, off - 4, data, len, is_write);
	} else if (off == 0 && len == 4) {
		if (is_write)
			p->addr = data[0] | data[1] << 8 | data[2] << 16 |
				  (uint32_t)data[3] << 24;
		else
			for (unsigned i = 0; i < 4; i++)
				data[i] = p->addr >> (8 * i);
	} else if (port == RCR_PORT && len == 1) {
		if (is_write && (data[0] & 0x04))
			vm_request_exit(p->vm, 0, "guest reset (PCI reset control)");
		else if (!is_write)
			data[0] = 0;
	} else if (!is_write) {
		for (unsigned i = 0; i < len; i++)
			data[i] = 0xff;
	}
	pthread_mutex_unlock(&p->lock);
}

static void put16(uint8_t *b, unsigned v)
{
	b[0] = v;
	b[1] = v >> 8;
}

static void pci_init(struct vm *vm)
{
	uint8_t *b = pci.bridge;

	pci.vm = vm;
	put16(b + 0x00, 0x8086);	/* vendor: Intel */
	put16(b + 0x02, 0x1237);	/* device: 82441FX (440FX) */
	put16(b + 0x04, 0x0006);	/* command: memory, bus master */
	put16(b + 0x06, 0x0000);	/* status */
	b[0x08] = 0x02;			/* revision */
	b[0x0a] = 0x00;			/* subclass: host bridge */
	b[0x0b] = 0x06;			/* class: bridge */
	b[0x0e] = 0x00;			/* header type 0, single function */
	put16(b + 0x2c, 0x1af4);	/* subsystem vendor: Red Hat (QEMU) */
	put16(b + 0x2e, 0x1100);	/* subsystem: QEMU virtual machine */
	b[0x72] = 0x02;			/* SMRAM: default */
	io_register(vm, PCI_PORT, 8, pci_io, &pci, "PCI");
}

const struct device_type pci_device = { "PCI", pci_init };
