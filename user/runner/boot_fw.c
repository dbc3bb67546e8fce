/*
 * Firmware boot (SeaBIOS, or any flat image that starts at the x86 reset
 * vector). The image is mapped read-only so that it ends at 4 GiB, where
 * the CPU fetches its first instruction (0xfffffff0), and its last
 * 128 KiB (all of it if smaller) are also copied to the top of the first
 * MiB, where real-mode code expects the BIOS (0xe0000-0xfffff). vCPU 0
 * stays in its reset state; the other vCPUs wait for a SIPI.
 *
 * With a [kernel] too, the firmware boots it the way QEMU's firmware
 * does: fw_cfg carries the kernel's setup code (its header filled in as
 * the 16-bit boot protocol wants), the kernel, the command line and the
 * initrd, each with the address it goes to; and a small option ROM,
 * handed to SeaBIOS as fw_cfg file genroms/vmrun-linuxboot.bin and put
 * first in the boot order, copies them there by fw_cfg DMA when SeaBIOS
 * boots it, and jumps to the setup code in real mode.
 */
#include <endian.h>
#include <errno.h>
#include <linux/qemu_fw_cfg.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "boot.h"
#include "devices.h"
#include "util.h"
#include "vm.h"

#define LOW_BIOS_MAX KiB(128)

/* Where the 16-bit boot protocol path puts things (boot.rst's example). */
#define RM_SETUP_ADDR	0x10000		/* setup code, segment 0x1000 */
#define RM_HEAP_END	0xe000		/* stack top and heap end, in that segment */
#define RM_CMDLINE_ADDR	0x20000

/*
 * The option ROM, hand-assembled (16-bit code). Its BEV entry copies each
 * item the descriptors at offset 0x100 name, by fw_cfg DMA, then enters
 * the kernel's setup code at 1020:0000 with DS = ES = FS = GS = SS = 1000
 * and SP = e000. Descriptors are filled in by linux_via_firmware().
 */
#define ROM_SIZE	512
#define ROM_DESC	0x100	/* descriptors: control, length, address (BE) */
#define ROM_NDESC	0x76	/* the immediate of "mov cx, N" */
#define ROM_BEV		0x60
static const uint8_t rom_template[0xa0] = {
	[0x00] = 0x55, 0xaa, ROM_SIZE / 512,	/* signature, size in blocks */
	[0x03] = 0xcb,				/* init entry: retf */
	[0x1a] = 0x20, 0x00,			/* PnP header at 0x20 */
	[0x20] = '$', 'P', 'n', 'P', 0x01, 0x02,	/* PnP header, 32 bytes */
	[0x30] = 0x40, 0x00,			/* product name at 0x40 */
	[0x3a] = ROM_BEV, 0x00,			/* bootstrap entry vector */
	[0x40] = 'v', 'm', 'r', 'u', 'n', ' ', 'L', 'i', 'n', 'u', 'x', 0,
	[ROM_BEV] =
	0xfa,				/* cli */
	0x66, 0x31, 0xc0,		/* xor eax, eax */
	0xba, 0x14, 0x05,		/* mov dx, 0x514 */
	0x66, 0xef,			/* out dx, eax     ; DMA address, high: 0 */
	0x8c, 0xc8,			/* mov ax, cs */
	0x66, 0xc1, 0xe0, 0x04,		/* shl eax, 4      ; where this ROM is */
	0x66, 0x05, ROM_DESC & 0xff, ROM_DESC >> 8, 0x00, 0x00,
					/* add eax, ROM_DESC */
	0xb9, 0x00, 0x00,		/* mov cx, N       ; N patched in */
	0xba, 0x18, 0x05,		/* next: mov dx, 0x518 */
	0x66, 0x50,			/* push eax */
	0x66, 0x0f, 0xc8,		/* bswap eax */
	0x66, 0xef,			/* out dx, eax     ; DMA address, low: go */
	0x66, 0x58,			/* pop eax */
	0x66, 0x83, 0xc0, 0x10,		/* add eax, 16     ; next descriptor */
	0xe2, 0xee,			/* loop next */
	0xb8, 0x00, 0x10,		/* mov ax, 0x1000 */
	0x8e, 0xd8,			/* mov ds, ax */
	0x8e, 0xc0,			/* mov es, ax */
	0x8e, 0xe0,			/* mov fs, ax */
	0x8e, 0xe8,			/* mov gs, ax */
	0x8e, 0xd0,			/* mov ss, ax */
	0xbc, RM_HEAP_END & 0xff, RM_HEAP_END >> 8,	/* mov sp, RM_HEAP_END */
	0xea, 0x00, 0x00, 0x20, 0x10,	/* jmp 0x1020:0x0000 */
};

static uint8_t checksum8(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;

	while (len--)
		sum += *p++;
	return -sum;
}

static void *map_file(const struct cfg_file *f)
{
	void *p = mmap(NULL, f->size, PROT_READ, MAP_PRIVATE, f->fd, 0);

	if (p == MAP_FAILED)
		die_errno(EXIT_RUNTIME, "mmap of '%s'", f->path);
	return p;
}

static void put16(uint8_t *p, uint16_t v) { p[0] = v; p[1] = v >> 8; }
static void put32(uint8_t *p, uint32_t v) { put16(p, v); put16(p + 2, v >> 16); }

/* An item with its address and size, as fw_cfg's kernel keys carry them. */
struct load {
	uint16_t addr_key, size_key, data_key;
	uint32_t addr, size;
	const void *data;
	uint32_t le_addr, le_size;	/* storage for the ADDR and SIZE items */
};

/* The three keys of each item follow from its ADDR key. */
static void set_load(struct load *l, uint16_t addr_key, uint32_t addr,
		     uint32_t size, const void *data)
{
	static const struct { uint16_t addr, size, data; } keys[] = {
		{ FW_CFG_SETUP_ADDR, FW_CFG_SETUP_SIZE, FW_CFG_SETUP_DATA },
		{ FW_CFG_KERNEL_ADDR, FW_CFG_KERNEL_SIZE, FW_CFG_KERNEL_DATA },
		{ FW_CFG_CMDLINE_ADDR, FW_CFG_CMDLINE_SIZE, FW_CFG_CMDLINE_DATA },
		{ FW_CFG_INITRD_ADDR, FW_CFG_INITRD_SIZE, FW_CFG_INITRD_DATA },
	};

	memset(l, 0, sizeof(*l));
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		if (keys[i].addr == addr_key) {
			l->addr_key = keys[i].addr;
			l->size_key = keys[i].size;
			l->data_key = keys[i].data;
		}
	}
	l->addr = addr;
	l->size = size;
	l->data = data;
}

static void linux_via_firmware(struct vm *vm)
{
	const struct config *cfg = vm->cfg;
	static struct load loads[4];
	static uint8_t rom[ROM_SIZE];
	uint8_t hdr[1024], *setup, *kernel;
	struct bzimage bz;
	const char *err;
	unsigned n = 0;

	if (pread_all(cfg->kernel.fd, hdr, sizeof(hdr), 0) < 0)
		die_errno(EXIT_RUNTIME, "reading '%s'", cfg->kernel.path);
	err = bzimage_probe(hdr, sizeof(hdr), cfg->kernel.size, &bz);
	if (err)	/* checked by config_load(); the file changed since */
		die(EXIT_RUNTIME, "'%s': %s", cfg->kernel.path, err);

	kernel = map_file(&cfg->kernel);
	setup = malloc(bz.setup_size);
	if (!setup)
		die(EXIT_RUNTIME, "out of memory");
	memcpy(setup, kernel, bz.setup_size);
	/* The setup header, as a 16-bit boot loader fills it in. */
	setup[0x210] = 0xff;				/* type_of_loader */
	setup[0x211] |= 0x80;				/* CAN_USE_HEAP */
	put16(setup + 0x224, RM_HEAP_END - 0x200);	/* heap_end_ptr */
	put32(setup + 0x228, RM_CMDLINE_ADDR);		/* cmd_line_ptr */
	put16(setup + 0x1fa, 0xffff);			/* vid_mode: normal */

	set_load(&loads[n++], FW_CFG_SETUP_ADDR, RM_SETUP_ADDR, bz.setup_size, setup);
	set_load(&loads[n++], FW_CFG_KERNEL_ADDR, BOOT_KERNEL_ADDR, bz.kernel_size,
		 kernel + bz.setup_size);
	set_load(&loads[n++], FW_CFG_CMDLINE_ADDR, RM_CMDLINE_ADDR,
		 strlen(cfg->cmdline) + 1, cfg->cmdline);
	if (cfg->initrd.fd >= 0) {
		uint64_t at = initrd_place(&bz, cfg->initrd.size,
					   vm->low_size - BOOT_FW_HIGH_RESERVE);
		if (!at)	/* checked by config_load() */
			die(EXIT_RUNTIME, "initrd '%s' does not fit", cfg->initrd.path);
		set_load(&loads[n++], FW_CFG_INITRD_ADDR, at, cfg->initrd.size,
			 map_file(&cfg->initrd));
		put32(setup + 0x218, at);			/* ramdisk_image */
		put32(setup + 0x21c, cfg->initrd.size);		/* ramdisk_size */
	}
	/* The legacy key for where the command line goes. */
	fw_cfg_add_item(FW_CFG_KERNEL_CMDLINE, &loads[2].le_addr, 4);

	memcpy(rom, rom_template, sizeof(rom_template));
	for (unsigned i = 0; i < n; i++) {
		struct load *l = &loads[i];
		uint8_t *d = rom + ROM_DESC + 16 * i;
		uint32_t control = (uint32_t)l->data_key << 16 |
				   FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ;
		uint32_t be;
		uint64_t be64;

		l->le_addr = htole32(l->addr);
		l->le_size = htole32(l->size);
		fw_cfg_add_item(l->addr_key, &l->le_addr, 4);
		fw_cfg_add_item(l->size_key, &l->le_size, 4);
		fw_cfg_add_item(l->data_key, l->data, l->size);

		be = htobe32(control);
		memcpy(d, &be, 4);
		be = htobe32(l->size);
		memcpy(d + 4, &be, 4);
		be64 = htobe64(l->addr);
		memcpy(d + 8, &be64, 8);
	}
	rom[ROM_NDESC] = n;
	rom[0x29] = checksum8(rom + 0x20, 32);		/* PnP header */
	rom[ROM_SIZE - 1] = checksum8(rom, ROM_SIZE - 1);

	static const char rom_name[] = "genroms/vmrun-linuxboot.bin";
	static const char bootorder[] = "/rom@genroms/vmrun-linuxboot.bin\n";
	fw_cfg_add_file(rom_name, rom, sizeof(rom));
	fw_cfg_add_file("bootorder", bootorder, sizeof(bootorder) - 1);
}

void firmware_setup(struct vm *vm)
{
	const struct cfg_file *f = &vm->cfg->firmware;
	uint64_t low = f->size < LOW_BIOS_MAX ? f->size : LOW_BIOS_MAX;
	uint8_t *img, *dst;

	/* Private and writable on the host side: KVM may need to map it so. */
	img = mmap(NULL, f->size, PROT_READ | PROT_WRITE, MAP_PRIVATE, f->fd, 0);
	if (img == MAP_FAILED)
		die_errno(EXIT_RUNTIME, "mmap of firmware '%s'", f->path);
	vm_map(vm, RAM_HIGH_START - f->size, img, f->size, true);

	dst = gpa_to_host(vm, MiB(1) - low, low);
	if (!dst)
		die(EXIT_RUNTIME, "internal error: no RAM below 1 MiB for the firmware");
	memcpy(dst, img + f->size - low, low);

	/* No interactive boot menu: do not wait for a key that never comes. */
	static const uint16_t no_menu = 0;
	fw_cfg_add_file("etc/show-boot-menu", &no_menu, sizeof(no_menu));
	/* SeaBIOS: with no VGA, show the BIOS screen on COM1. */
	static const uint16_t sercon = 0x3f8;
	fw_cfg_add_file("etc/sercon-port", &sercon, sizeof(sercon));

	if (vm->cfg->kernel.fd >= 0)
		linux_via_firmware(vm);
}
