/*
 * Direct boot of an x86-64 Linux bzImage, following the 64-bit boot
 * protocol of Documentation/arch/x86/boot.rst:
 *
 *  - the protected-mode part of the bzImage is loaded at 1 MiB;
 *  - a zero page (struct boot_params) holds the image's setup header,
 *    an e820 map, and where the command line and initrd are;
 *  - vCPU 0 starts in 64-bit mode at load address + 0x200 with %rsi
 *    pointing at the zero page, on identity-mapped page tables (all of
 *    the first 4 GiB, 2 MiB pages) and a GDT with flat __BOOT_CS (0x10)
 *    and __BOOT_DS (0x18).
 *
 * With more than one vCPU an MP table tells Linux about the others; they
 * wait in the in-kernel LAPIC for Linux to wake them with INIT/SIPI.
 */
#include <asm/bootparam.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/kvm.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "acpi.h"
#include "boot.h"
#include "util.h"
#include "vm.h"

static uint16_t get16(const uint8_t *p) { return p[0] | p[1] << 8; }
static uint32_t get32(const uint8_t *p) { return get16(p) | (uint32_t)get16(p + 2) << 16; }
static uint64_t get64(const uint8_t *p) { return get32(p) | (uint64_t)get32(p + 4) << 32; }

/* Offsets in the bzImage file (= in the zero page) of setup header fields. */
#define HDR_SETUP_SECTS		0x1f1
#define HDR_BOOT_FLAG		0x1fe
#define HDR_JUMP		0x200
#define HDR_MAGIC		0x202
#define HDR_VERSION		0x206
#define HDR_LOADFLAGS		0x211
#define HDR_INITRD_ADDR_MAX	0x22c
#define HDR_XLOADFLAGS		0x236
#define HDR_CMDLINE_SIZE	0x238
#define HDR_PREF_ADDRESS	0x258
#define HDR_INIT_SIZE		0x260
#define HDR_END_MIN		0x268	/* end of the 2.12 header we read */

#define E820_RAM		1
#define E820_RESERVED		2

const char *bzimage_probe(const uint8_t *hdr, size_t len, uint64_t file_size,
			  struct bzimage *bz)
{
	if (len < HDR_END_MIN || file_size < 1024)
		return "too small to be a bzImage";
	if (get16(hdr + HDR_BOOT_FLAG) != 0xaa55)
		return "not a Linux kernel image (no 0xAA55 boot flag)";
	if (memcmp(hdr + HDR_MAGIC, "HdrS", 4))
		return "not a bzImage (no HdrS signature)";
	bz->version = get16(hdr + HDR_VERSION);
	if (bz->version < 0x020c)
		return "boot protocol older than 2.12";
	if (!(hdr[HDR_LOADFLAGS] & LOADED_HIGH))
		return "a zImage, not a bzImage";
	if (!(get16(hdr + HDR_XLOADFLAGS) & XLF_KERNEL_64))
		return "no 64-bit entry point (not an x86-64 kernel)";

	unsigned sects = hdr[HDR_SETUP_SECTS] ? hdr[HDR_SETUP_SECTS] : 4;
	bz->setup_size = (sects + 1) * 512;
	if (bz->setup_size >= file_size)
		return "truncated (no kernel after the setup code)";
	bz->kernel_size = file_size - bz->setup_size;
	bz->initrd_addr_max = get32(hdr + HDR_INITRD_ADDR_MAX);
	bz->cmdline_size = get32(hdr + HDR_CMDLINE_SIZE);
	bz->pref_address = get64(hdr + HDR_PREF_ADDRESS);
	bz->init_size = get32(hdr + HDR_INIT_SIZE);
	if (bz->pref_address > GiB(2) || bz->init_size > GiB(1))
		return "implausible pref_address or init_size in the setup header";

	/*
	 * The decompressor works in [max(load address, pref_address),
	 * + init_size): that, and the loaded image, must be RAM.
	 */
	uint64_t run = bz->pref_address > BOOT_KERNEL_ADDR ? bz->pref_address
							   : BOOT_KERNEL_ADDR;
	bz->kernel_end = run + bz->init_size;
	if (bz->kernel_end < BOOT_KERNEL_ADDR + bz->kernel_size)
		bz->kernel_end = BOOT_KERNEL_ADDR + bz->kernel_size;
	return NULL;
}

uint64_t ram_below_4g(uint64_t memory)
{
	return memory < RAM_HOLE_START ? memory : RAM_HOLE_START;
}

uint64_t initrd_place(const struct bzimage *bz, uint64_t size, uint64_t low)
{
	uint64_t top = low, addr;

	if ((uint64_t)bz->initrd_addr_max + 1 < top)
		top = (uint64_t)bz->initrd_addr_max + 1;
	if (size > top)
		return 0;
	addr = (top - size) & ~(uint64_t)(CFG_PAGE_SIZE - 1);
	if (addr < ((bz->kernel_end + CFG_PAGE_SIZE - 1) & ~(uint64_t)(CFG_PAGE_SIZE - 1)))
		return 0;
	return addr;
}

static void *ram(struct vm *vm, uint64_t gpa, uint64_t len)
{
	void *p = gpa_to_host(vm, gpa, len);

	if (!p)
		die(EXIT_RUNTIME, "internal error: guest range %#" PRIx64
		    "+%#" PRIx64 " is not RAM", gpa, len);
	return p;
}

static void add_e820(struct boot_params *bp, uint64_t addr, uint64_t size,
		     uint32_t type)
{
	if (!size || bp->e820_entries >= ARRAY_SIZE(bp->e820_table))
		return;
	bp->e820_table[bp->e820_entries++] = (struct boot_e820_entry){
		.addr = addr, .size = size, .type = type,
	};
}

/* --- MP table (Intel MultiProcessor Specification 1.4) for SMP guests --- */

static uint8_t checksum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	while (len--)
		sum += *b++;
	return -sum;
}

struct __attribute__((packed)) mpf {		/* floating pointer */
	char sig[4];				/* "_MP_" */
	uint32_t table;
	uint8_t length, spec, checksum, feature[5];
};

struct __attribute__((packed)) mpc {		/* configuration table header */
	char sig[4];				/* "PCMP" */
	uint16_t length;
	uint8_t spec, checksum;
	char oem[8], product[12];
	uint32_t oem_table;
	uint16_t oem_size, count;
	uint32_t lapic;
	uint16_t ext_length;
	uint8_t ext_checksum, reserved;
};

struct __attribute__((packed)) mpc_cpu {
	uint8_t type, apic_id, apic_ver, flags;
	uint32_t signature, features;
	uint32_t reserved[2];
};

struct __attribute__((packed)) mpc_bus {
	uint8_t type, id;
	char name[6];
};

struct __attribute__((packed)) mpc_ioapic {
	uint8_t type, id, ver, flags;
	uint32_t addr;
};

struct __attribute__((packed)) mpc_intsrc {
	uint8_t type, irqtype;
	uint16_t flags;
	uint8_t bus, irq, dst_apic, dst_irq;
};

#define MP_CPU_ENABLED	1
#define MP_CPU_BSP	2
#define MP_IOAPIC_ADDR	0xfec00000
#define MP_LAPIC_ADDR	0xfee00000

/*
 * The table goes at BOOT_MPTABLE_ADDR, the floating pointer that leads to
 * it at 639 KiB, where Linux looks for it when there is no BIOS data area.
 */
static void write_mptable(struct vm *vm, unsigned ncpus)
{
	struct mpf *f = ram(vm, BOOT_MPFLOAT_ADDR, sizeof(*f));
	struct mpc *c = ram(vm, BOOT_MPTABLE_ADDR, BOOT_MPFLOAT_ADDR - BOOT_MPTABLE_ADDR);
	uint8_t *p = (uint8_t *)(c + 1);
	uint8_t ioapic_id = ncpus;

	*c = (struct mpc){ .sig = "PCMP", .spec = 4, .oem = "VMRUN   ",
			   .product = "VMRUN       ", .lapic = MP_LAPIC_ADDR };
	for (unsigned i = 0; i < ncpus; i++, c->count++, p += sizeof(struct mpc_cpu))
		*(struct mpc_cpu *)p = (struct mpc_cpu){
			.type = 0, .apic_id = i, .apic_ver = 0x14,
			.flags = MP_CPU_ENABLED | (i ? 0 : MP_CPU_BSP),
			.signature = 0x600, .features = 0x201,	/* FPU, APIC */
		};
	*(struct mpc_bus *)p = (struct mpc_bus){ .type = 1, .id = 0, .name = "ISA   " };
	p += sizeof(struct mpc_bus);
	c->count++;
	*(struct mpc_ioapic *)p = (struct mpc_ioapic){
		.type = 2, .id = ioapic_id, .ver = 0x11, .flags = 1,
		.addr = MP_IOAPIC_ADDR,
	};
	p += sizeof(struct mpc_ioapic);
	c->count++;
	/*
	 * ISA IRQ n goes to IOAPIC pin n, IRQ 0 (the PIT) included: that is
	 * KVM's default GSI routing, which vmrun leaves as it is.
	 */
	for (unsigned irq = 0; irq < 16; irq++) {
		if (irq == 2)
			continue;	/* the PIC cascade */
		*(struct mpc_intsrc *)p = (struct mpc_intsrc){
			.type = 3, .irqtype = 0, .bus = 0, .irq = irq,
			.dst_apic = ioapic_id, .dst_irq = irq,
		};
		p += sizeof(struct mpc_intsrc);
		c->count++;
	}
	c->length = p - (uint8_t *)c;
	c->checksum = checksum(c, c->length);

	*f = (struct mpf){ .sig = "_MP_", .table = BOOT_MPTABLE_ADDR, .length = 1,
			   .spec = 4 };
	f->checksum = checksum(f, sizeof(*f));
}

/* --- CPU state ---------------------------------------------------------- */

#define CR0_PE 0x1ULL
#define CR0_ET 0x10ULL
#define CR0_NE 0x20ULL
#define CR0_PG 0x80000000ULL
#define CR4_PAE 0x20ULL
#define EFER_LME 0x100ULL
#define EFER_LMA 0x400ULL

static void set_long_mode(struct vm *vm, struct vcpu *cpu, uint64_t entry)
{
	uint64_t *gdt = ram(vm, BOOT_GDT_ADDR, 5 * 8);
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	gdt[0] = 0;
	gdt[1] = 0;
	gdt[2] = 0x00af9b000000ffffULL;	/* 0x10: 64-bit code, flat */
	gdt[3] = 0x00cf93000000ffffULL;	/* 0x18: data, flat 4 GiB */
	gdt[4] = 0x00008b0000000067ULL;	/* 0x20: busy TSS at 0 (for TR) */

	/* Identity-map the first 4 GiB with 2 MiB pages. */
	uint64_t *pml4 = ram(vm, BOOT_PML4_ADDR, 6 * 4096);
	uint64_t *pdpt = pml4 + 512, *pd = pml4 + 1024;
	memset(pml4, 0, 6 * 4096);
	pml4[0] = (BOOT_PML4_ADDR + 0x1000) | 3;
	for (unsigned i = 0; i < 4; i++)
		pdpt[i] = (BOOT_PML4_ADDR + 0x2000 + i * 0x1000) | 3;
	for (unsigned i = 0; i < 4 * 512; i++)
		pd[i] = ((uint64_t)i << 21) | 0x83;	/* present, writable, 2M */

	if (ioctl(cpu->fd, KVM_GET_SREGS, &sregs) < 0)
		die_errno(EXIT_RUNTIME, "KVM_GET_SREGS");
	struct kvm_segment code = {
		.base = 0, .limit = 0xffffffff, .selector = 0x10, .type = 11,
		.present = 1, .s = 1, .l = 1, .g = 1,
	};
	struct kvm_segment data = {
		.base = 0, .limit = 0xffffffff, .selector = 0x18, .type = 3,
		.present = 1, .s = 1, .db = 1, .g = 1,
	};
	sregs.cs = code;
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = data;
	sregs.tr = (struct kvm_segment){
		.selector = 0x20, .limit = 0x67, .type = 11, .present = 1,
	};
	sregs.gdt.base = BOOT_GDT_ADDR;
	sregs.gdt.limit = 5 * 8 - 1;
	sregs.cr0 = CR0_PE | CR0_ET | CR0_NE | CR0_PG;
	sregs.cr3 = BOOT_PML4_ADDR;
	sregs.cr4 = CR4_PAE;
	sregs.efer = EFER_LME | EFER_LMA;
	if (ioctl(cpu->fd, KVM_SET_SREGS, &sregs) < 0)
		die_errno(EXIT_RUNTIME, "KVM_SET_SREGS");

	regs = (struct kvm_regs){
		.rip = entry, .rsi = BOOT_ZERO_PAGE_ADDR,
		.rsp = BOOT_STACK_TOP, .rflags = 2,
	};
	if (ioctl(cpu->fd, KVM_SET_REGS, &regs) < 0)
		die_errno(EXIT_RUNTIME, "KVM_SET_REGS");
}

/* --- loading ------------------------------------------------------------ */

/* Map (copy-on-write) or read file bytes [0, size) to guest RAM at gpa. */
static void load_file(struct vm *vm, const struct cfg_file *f, uint64_t off,
		      uint64_t size, uint64_t gpa)
{
	void *dst = ram(vm, gpa, size);

	/* Page-aligned at both ends: let the page cache back it, no copy. */
	if (!(gpa % CFG_PAGE_SIZE) && !(off % CFG_PAGE_SIZE) && size &&
	    mmap(dst, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED,
		 f->fd, off) != MAP_FAILED)
		return;
	if (pread_all(f->fd, dst, size, off) < 0)
		die_errno(EXIT_RUNTIME, "reading '%s'", f->path);
}

void linux_boot_setup(struct vm *vm)
{
	const struct config *cfg = vm->cfg;
	struct boot_params *bp = ram(vm, BOOT_ZERO_PAGE_ADDR, sizeof(*bp));
	uint8_t hdr[1024];
	struct bzimage bz;
	const char *err;

	if (pread_all(cfg->kernel.fd, hdr, sizeof(hdr), 0) < 0)
		die_errno(EXIT_RUNTIME, "reading '%s'", cfg->kernel.path);
	err = bzimage_probe(hdr, sizeof(hdr), cfg->kernel.size, &bz);
	if (err)	/* checked by config_load(); the file changed since */
		die(EXIT_RUNTIME, "'%s': %s", cfg->kernel.path, err);

	/* The setup header, copied as is: from 0x1f1 to its self-declared end. */
	memset(bp, 0, sizeof(*bp));
	size_t hdr_end = HDR_JUMP + 2 + hdr[HDR_JUMP + 1];
	if (hdr_end > sizeof(hdr))
		hdr_end = sizeof(hdr);
	memcpy((uint8_t *)bp + HDR_SETUP_SECTS, hdr + HDR_SETUP_SECTS,
	       hdr_end - HDR_SETUP_SECTS);

	bp->hdr.type_of_loader = 0xff;
	bp->hdr.loadflags |= CAN_USE_HEAP;
	bp->hdr.loadflags &= ~QUIET_FLAG;
	bp->hdr.heap_end_ptr = 0xfe00;
	bp->hdr.vid_mode = 0xffff;	/* "normal" */
	bp->hdr.code32_start = BOOT_KERNEL_ADDR;

	load_file(vm, &cfg->kernel, bz.setup_size, bz.kernel_size, BOOT_KERNEL_ADDR);

	size_t cmdlen = strlen(cfg->cmdline) + 1;
	memcpy(ram(vm, BOOT_CMDLINE_ADDR, cmdlen), cfg->cmdline, cmdlen);
	bp->hdr.cmd_line_ptr = BOOT_CMDLINE_ADDR;

	if (cfg->initrd.fd >= 0) {
		uint64_t at = initrd_place(&bz, cfg->initrd.size, vm->low_size);

		if (!at)	/* checked by config_load() */
			die(EXIT_RUNTIME, "initrd '%s' does not fit", cfg->initrd.path);
		load_file(vm, &cfg->initrd, 0, cfg->initrd.size, at);
		bp->hdr.ramdisk_image = at;
		bp->hdr.ramdisk_size = cfg->initrd.size;
	}

	/* e820: all RAM but the EBDA and the legacy BIOS/VGA hole. */
	add_e820(bp, 0, BOOT_LOW_RAM_END, E820_RAM);
	add_e820(bp, BOOT_LOW_RAM_END, 0xa0000 - BOOT_LOW_RAM_END, E820_RESERVED);
	add_e820(bp, ACPI_BASE, 0x100000 - ACPI_BASE, E820_RESERVED);
	if (vm->low_size > BOOT_KERNEL_ADDR)
		add_e820(bp, BOOT_KERNEL_ADDR, vm->low_size - BOOT_KERNEL_ADDR,
			 E820_RAM);
	add_e820(bp, RAM_HIGH_START, vm->high_size, E820_RAM);

	/* CPUs etc. for acpi=off kernels; ACPI tables for the others. */
	if (vm->ncpus > 1)
		write_mptable(vm, vm->ncpus);
	bp->acpi_rsdp_addr = acpi_setup(vm);

	set_long_mode(vm, &vm->vcpus[0], BOOT_KERNEL_ADDR + 0x200);
}
