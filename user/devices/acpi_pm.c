/*
 * ACPI PM1a event and control blocks and the PM timer, at the ports the
 * FADT of runner/acpi.c names for a direct Linux boot (the layout of
 * QEMU's PIIX4/ICH9 power management, base 0x600):
 *
 *   0x600  PM1a_STS  status, write 1 to clear: no event ever happens
 *   0x602  PM1a_EN   enables, kept
 *   0x604  PM1a_CNT  SCI_EN reads 1 (ACPI mode, there is no SMI_CMD);
 *                    SLP_EN with SLP_TYP 5 (\_S5, soft off) powers the
 *                    machine off, which ends vmrun with status 0; other
 *                    sleep states are not supported and are ignored
 *   0x608  PM_TMR    24-bit counter at 3.579545 MHz, from the host clock
 *
 * The SCI (IRQ 9) is never raised.
 */
#include <pthread.h>
#include <stdbool.h>
#include <time.h>

#include "acpi.h"
#include "devices.h"
#include "vm.h"

#define PM1_STS		0
#define PM1_EN		2
#define PM1_CNT		4
#define PM_TMR		8

#define CNT_SCI_EN	0x0001
#define CNT_SLP_TYP(v)	(((v) >> 10) & 7)
#define CNT_SLP_EN	0x2000

#define PM_TIMER_HZ	3579545ULL

static struct acpi_pm {
	pthread_mutex_t lock;
	struct vm *vm;
	uint16_t en, cnt;
} pm = { .lock = PTHREAD_MUTEX_INITIALIZER };

static uint32_t pm_timer(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	uint64_t ns = (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
	/* ns * 3579545 / 1e9 without overflow: split the seconds off. */
	uint64_t ticks = (ns / 1000000000ULL) * PM_TIMER_HZ +
			 (ns % 1000000000ULL) * PM_TIMER_HZ / 1000000000ULL;
	return ticks & 0xffffff;
}

static void acpi_pm_io(void *opaque, uint16_t port, uint8_t *data,
		       unsigned len, bool is_write)
{
	struct acpi_pm *p = opaque;
	unsigned off = port - ACPI_PM_BASE;
	uint32_t v = 0;

	for (unsigned i = 0; i < len && is_write; i++)
		v |= (uint32_t)data[i] << (8 * i);

	pthread_mutex_lock(&p->lock);
	if (is_write) {
		if (off == PM1_EN)
			p->en = v;
		else if (off == PM1_CNT) {
			p->cnt = (v & ~CNT_SLP_EN) | CNT_SCI_EN;
			if ((v & CNT_SLP_EN) && CNT_SLP_TYP(v) == ACPI_SLP_TYP_S5)
				vm_request_exit(p->vm, 0, "guest powered off");
		}
	} else {
		switch (off) {
		case PM1_EN:	v = p->en; break;
		case PM1_CNT:	v = p->cnt; break;
		case PM_TMR:	v = pm_timer(); break;
		default:	v = 0; break;	/* status, and the gaps */
		}
		for (unsigned i = 0; i < len; i++)
			data[i] = v >> (8 * i);
	}
	pthread_mutex_unlock(&p->lock);
}

static void acpi_pm_init(struct vm *vm)
{
	/* Only the direct boot has vmrun's ACPI tables that name it. */
	if (vm->cfg->kernel.fd < 0 || vm->cfg->firmware.fd >= 0)
		return;
	pm.vm = vm;
	pm.cnt = CNT_SCI_EN;
	io_register(vm, ACPI_PM_BASE, ACPI_PM_LEN, acpi_pm_io, &pm, "ACPI PM");
}

const struct device_type acpi_pm_device = { "ACPI PM", acpi_pm_init };
