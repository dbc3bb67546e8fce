/* Booting: the x86 Linux boot protocol and firmware (SeaBIOS) boot. */
#ifndef VMRUN_BOOT_H
#define VMRUN_BOOT_H

#include <stddef.h>
#include <stdint.h>

struct config;
struct vm;

/* Guest-physical layout shared by the boot paths. */
#define BOOT_GDT_ADDR		0x500
#define BOOT_ZERO_PAGE_ADDR	0x7000
#define BOOT_STACK_TOP		0x8ff0
#define BOOT_PML4_ADDR		0x9000	/* then PDPT, then 4 page directories */
#define BOOT_CMDLINE_ADDR	0x20000
#define BOOT_CMDLINE_MAX	0x10000
#define BOOT_MPTABLE_ADDR	0x9f000	/* MP configuration table */
#define BOOT_MPFLOAT_ADDR	0x9fc00	/* MP floating pointer, at 639 KiB */
#define BOOT_KERNEL_ADDR	0x100000
#define BOOT_LOW_RAM_END	0x9f000	/* below: usable RAM in the e820 map */
/* Through the firmware: RAM at the top below 4 GiB left to the firmware. */
#define BOOT_FW_HIGH_RESERVE	0x100000

/* What the setup header of a bzImage says, checked by bzimage_probe(). */
struct bzimage {
	unsigned setup_size;	/* bytes of real-mode setup, incl. the boot sector */
	uint64_t kernel_size;	/* bytes of protected-mode kernel after it */
	uint16_t version;	/* boot protocol version */
	uint32_t initrd_addr_max;
	uint32_t cmdline_size;	/* longest command line, without the NUL */
	uint64_t pref_address;
	uint32_t init_size;
	uint64_t kernel_end;	/* first byte above what the kernel needs */
};

/*
 * Check that `hdr` (the first `len` bytes of a `file_size`-byte file) is a
 * bzImage this runner can boot. Returns NULL and fills `bz`, or a message.
 */
const char *bzimage_probe(const uint8_t *hdr, size_t len, uint64_t file_size,
			  struct bzimage *bz);

/*
 * Where the initrd goes: the highest page-aligned address under the
 * kernel's limit and under `ram_below_4g` that fits it above the kernel.
 * Returns 0 when it does not fit.
 */
uint64_t initrd_place(const struct bzimage *bz, uint64_t initrd_size,
		      uint64_t ram_below_4g);

/* Bytes of RAM below 4 GiB for `memory` bytes of RAM (the rest goes above). */
uint64_t ram_below_4g(uint64_t memory);

/* Load kernel/initrd/cmdline into guest RAM and set up vCPU 0 for them. */
void linux_boot_setup(struct vm *vm);
/* Map the firmware and put vCPU 0 at its reset vector. */
void firmware_setup(struct vm *vm);

#endif
