/*
 * ACPI tables for a direct Linux boot. Not hardware-reduced ACPI: that
 * would make Linux drop the PIC and the PIT, which vmrun has (in the
 * hypervisor). They give Linux:
 *
 *  - the CPUs, the IOAPIC and the legacy PICs (MADT);
 *  - a way to power off: the FADT's PM1a blocks and PM timer are at
 *    port 0x600 (devices/acpi_pm.c), and the DSDT's \_S5 object says which
 *    sleep type means "soft off"; there is no SMI_CMD, so ACPI mode is
 *    always on;
 *  - a way to reset: the FADT's reset register is port 0xcf9, value 6,
 *    which the PCI host bridge model turns into a reset;
 *  - the i8042 and CMOS RTC being there (IAPC_BOOT_ARCH, CENTURY).
 *
 * All of it sits at 0xe0000, in the BIOS area that the e820 map reserves,
 * where Linux also looks for the RSDP when boot_params does not say.
 */
#include <string.h>

#include "acpi.h"
#include "boot.h"
#include "util.h"
#include "vm.h"

struct __attribute__((packed)) acpi_header {
	char signature[4];
	uint32_t length;
	uint8_t revision, checksum;
	char oem_id[6], oem_table_id[8];
	uint32_t oem_revision;
	char creator_id[4];
	uint32_t creator_revision;
};

struct __attribute__((packed)) rsdp {
	char signature[8];		/* "RSD PTR " */
	uint8_t checksum;		/* of the first 20 bytes */
	char oem_id[6];
	uint8_t revision;		/* 2: ACPI 2.0+, with an XSDT */
	uint32_t rsdt;
	uint32_t length;
	uint64_t xsdt;
	uint8_t ext_checksum;		/* of all of it */
	uint8_t reserved[3];
};

struct __attribute__((packed)) gas {	/* generic address structure */
	uint8_t space, bit_width, bit_offset, access_size;
	uint64_t address;
};

#define GAS_IO_BYTE(port) { .space = 1, .bit_width = 8, .access_size = 1, .address = (port) }

struct __attribute__((packed)) fadt {
	struct acpi_header h;
	uint32_t firmware_ctrl, dsdt;
	uint8_t reserved0, pm_profile;
	uint16_t sci_int;
	uint32_t smi_cmd;
	uint8_t acpi_enable, acpi_disable, s4bios_req, pstate_cnt;
	uint32_t pm1a_evt, pm1b_evt, pm1a_cnt, pm1b_cnt, pm2_cnt, pm_tmr, gpe0, gpe1;
	uint8_t pm1_evt_len, pm1_cnt_len, pm2_cnt_len, pm_tmr_len;
	uint8_t gpe0_len, gpe1_len, gpe1_base, cst_cnt;
	uint16_t p_lvl2_lat, p_lvl3_lat, flush_size, flush_stride;
	uint8_t duty_offset, duty_width, day_alrm, mon_alrm, century;
	uint16_t iapc_boot_arch;
	uint8_t reserved1;
	uint32_t flags;
	struct gas reset_reg;
	uint8_t reset_value;
	uint16_t arm_boot_arch;
	uint8_t minor_version;
	uint64_t x_firmware_ctrl, x_dsdt;
	struct gas x_pm1a_evt, x_pm1b_evt, x_pm1a_cnt, x_pm1b_cnt, x_pm2_cnt,
		x_pm_tmr, x_gpe0, x_gpe1;
	struct gas sleep_control, sleep_status;
	uint64_t hypervisor_id;
};

_Static_assert(sizeof(struct fadt) == 276, "FADT layout (ACPI 6.x)");
_Static_assert(sizeof(struct rsdp) == 36, "RSDP layout");

#define FADT_WBINVD		(1u << 0)
#define FADT_C1_SUPPORTED	(1u << 2)
#define FADT_PWR_BUTTON		(1u << 4)	/* set: no fixed power button */
#define FADT_SLP_BUTTON		(1u << 5)	/* set: no fixed sleep button */
#define FADT_RESET_REG_SUP	(1u << 10)

#define BOOT_ARCH_LEGACY	(1u << 0)	/* ISA devices */
#define BOOT_ARCH_8042		(1u << 1)

#define MADT_PCAT_COMPAT	1
#define LAPIC_ADDR		0xfee00000u
#define IOAPIC_ADDR		0xfec00000u

/* Where each table goes, inside [ACPI_BASE, ACPI_BASE + 0x2000). */
#define RSDP_ADDR	ACPI_BASE
#define XSDT_ADDR	(ACPI_BASE + 0x40)
#define FACS_ADDR	(ACPI_BASE + 0xc0)	/* 64-byte aligned */
#define FADT_ADDR	(ACPI_BASE + 0x100)
#define DSDT_ADDR	(ACPI_BASE + 0x300)
#define MADT_ADDR	(ACPI_BASE + 0x400)

static uint8_t checksum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	while (len--)
		sum += *b++;
	return -sum;
}

static void *table(struct vm *vm, uint64_t addr, size_t len)
{
	void *p = gpa_to_host(vm, addr, len);

	if (!p)
		die(EXIT_RUNTIME, "internal error: no RAM for ACPI tables at %#lx",
		    (unsigned long)addr);
	memset(p, 0, len);
	return p;
}

static void header(struct acpi_header *h, const char *sig, uint32_t len, uint8_t rev)
{
	memcpy(h->signature, sig, 4);
	h->length = len;
	h->revision = rev;
	memcpy(h->oem_id, "VMRUN ", 6);
	memcpy(h->oem_table_id, "VMRUNVM ", 8);
	h->oem_revision = 1;
	memcpy(h->creator_id, "VMRN", 4);
	h->creator_revision = 1;
}

static void finish(struct acpi_header *h)
{
	h->checksum = 0;
	h->checksum = checksum(h, h->length);
}

/*
 * DSDT: one object, Name (_S5_, Package () { 5, 0 }): sleep type 5 for
 * soft-off, which devices/acpi_pm.c recognizes.
 */
static const uint8_t dsdt_aml[] = {
	0x08, '_', 'S', '5', '_',	/* NameOp "_S5_" */
	0x12, 0x05, 0x02,		/* PackageOp, PkgLength 5, 2 elements */
	0x0a, ACPI_SLP_TYP_S5,		/* BytePrefix 5 */
	0x00,				/* ZeroOp */
};

static void write_madt(struct vm *vm)
{
	size_t len = sizeof(struct acpi_header) + 8 + vm->ncpus * 8 + 12 + 10 + 6;
	uint8_t *t = table(vm, MADT_ADDR, len), *p = t + sizeof(struct acpi_header);
	struct acpi_header *h = (void *)t;

	header(h, "APIC", len, 4);
	memcpy(p, &(uint32_t){ LAPIC_ADDR }, 4);
	memcpy(p + 4, &(uint32_t){ MADT_PCAT_COMPAT }, 4);
	p += 8;
	for (unsigned i = 0; i < vm->ncpus; i++, p += 8) {
		p[0] = 0;			/* processor local APIC */
		p[1] = 8;
		p[2] = i;			/* ACPI processor UID */
		p[3] = i;			/* APIC ID */
		memcpy(p + 4, &(uint32_t){ 1 }, 4);	/* enabled */
	}
	p[0] = 1;				/* I/O APIC */
	p[1] = 12;
	p[2] = vm->ncpus;			/* its ID, after the CPUs' */
	memcpy(p + 4, &(uint32_t){ IOAPIC_ADDR }, 4);
	memcpy(p + 8, &(uint32_t){ 0 }, 4);	/* GSI base */
	p += 12;
	p[0] = 2;				/* interrupt source override */
	p[1] = 10;
	p[2] = 0;				/* ISA */
	p[3] = ACPI_SCI_IRQ;			/* the SCI: level, active high */
	memcpy(p + 4, &(uint32_t){ ACPI_SCI_IRQ }, 4);
	memcpy(p + 8, &(uint16_t){ 0x000d }, 2);
	p += 10;
	p[0] = 4;				/* local APIC NMI */
	p[1] = 6;
	p[2] = 0xff;				/* all processors */
	p[5] = 1;				/* LINT1 */
	finish(h);
}

uint64_t acpi_setup(struct vm *vm)
{
	struct rsdp *rsdp = table(vm, RSDP_ADDR, sizeof(*rsdp));
	struct fadt *fadt = table(vm, FADT_ADDR, sizeof(*fadt));
	size_t dsdt_len = sizeof(struct acpi_header) + sizeof(dsdt_aml);
	struct acpi_header *dsdt = table(vm, DSDT_ADDR, dsdt_len);
	size_t xsdt_len = sizeof(struct acpi_header) + 2 * 8;
	struct acpi_header *xsdt = table(vm, XSDT_ADDR, xsdt_len);

	/* FACS: no waking vector, no global lock owner. Has no checksum. */
	uint8_t *facs = table(vm, FACS_ADDR, 64);
	memcpy(facs, "FACS", 4);
	facs[4] = 64;				/* length */
	facs[32] = 2;				/* version */

	header(dsdt, "DSDT", dsdt_len, 2);
	memcpy(dsdt + 1, dsdt_aml, sizeof(dsdt_aml));
	finish(dsdt);

	header(&fadt->h, "FACP", sizeof(*fadt), 6);
	fadt->minor_version = 3;
	fadt->firmware_ctrl = FACS_ADDR;
	fadt->x_firmware_ctrl = FACS_ADDR;
	fadt->dsdt = DSDT_ADDR;
	fadt->x_dsdt = DSDT_ADDR;
	fadt->sci_int = ACPI_SCI_IRQ;
	fadt->pm1a_evt = ACPI_PM_BASE;
	fadt->pm1a_cnt = ACPI_PM_BASE + 4;
	fadt->pm_tmr = ACPI_PM_BASE + 8;
	fadt->pm1_evt_len = 4;
	fadt->pm1_cnt_len = 2;
	fadt->pm_tmr_len = 4;
	fadt->x_pm1a_evt = (struct gas){ .space = 1, .bit_width = 32, .address = ACPI_PM_BASE };
	fadt->x_pm1a_cnt = (struct gas){ .space = 1, .bit_width = 16, .address = ACPI_PM_BASE + 4 };
	fadt->x_pm_tmr = (struct gas){ .space = 1, .bit_width = 32, .address = ACPI_PM_BASE + 8 };
	fadt->p_lvl2_lat = 101;			/* > 100: no C2 */
	fadt->p_lvl3_lat = 1001;		/* > 1000: no C3 */
	fadt->century = 0x32;
	fadt->iapc_boot_arch = BOOT_ARCH_LEGACY | BOOT_ARCH_8042;
	fadt->flags = FADT_WBINVD | FADT_C1_SUPPORTED | FADT_PWR_BUTTON |
		      FADT_SLP_BUTTON | FADT_RESET_REG_SUP;
	fadt->reset_reg = (struct gas)GAS_IO_BYTE(0xcf9);
	fadt->reset_value = 0x06;		/* reset CPU, hard reset */
	memcpy(&fadt->hypervisor_id, "VMRUN\0\0\0", 8);
	finish(&fadt->h);

	write_madt(vm);

	header(xsdt, "XSDT", xsdt_len, 1);
	uint64_t entries[2] = { FADT_ADDR, MADT_ADDR };
	memcpy(xsdt + 1, entries, sizeof(entries));
	finish(xsdt);

	memcpy(rsdp->signature, "RSD PTR ", 8);
	memcpy(rsdp->oem_id, "VMRUN ", 6);
	rsdp->revision = 2;
	rsdp->length = sizeof(*rsdp);
	rsdp->xsdt = XSDT_ADDR;
	rsdp->checksum = checksum(rsdp, 20);
	rsdp->ext_checksum = checksum(rsdp, sizeof(*rsdp));
	return RSDP_ADDR;
}
