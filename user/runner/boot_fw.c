/*
 * Firmware boot (SeaBIOS, or any flat image that starts at the x86 reset
 * vector). The image is mapped read-only so that it ends at 4 GiB, where
 * the CPU fetches its first instruction (0xfffffff0), and its last
 * 128 KiB (all of it if smaller) are also copied to the top of the first
 * MiB, where real-mode code expects the BIOS (0xe0000-0xfffff). vCPU 0
 * stays in its reset state; the other vCPUs wait for a SIPI.
 */
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "boot.h"
#include "devices.h"
#include "util.h"
#include "vm.h"

#define LOW_BIOS_MAX KiB(128)

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
}
