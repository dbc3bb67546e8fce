/*
 * PCI host bridge with configuration mechanism #1: address register at
 * 0xcf8 (32-bit accesses only), data at 0xcfc-0xcff. Byte port 0xcf9 is
 * the PIIX reset control register: setting its bit 2 resets the machine.
 *
 * Bus 0 holds one device, 00:00.0, the host bridge. It reports itself as
 * an Intel 440FX (8086:1237) with QEMU's subsystem ID (1af4:1100), which
 * is how SeaBIOS recognizes a machine it can run on. Its PAM and SMRAM
 * registers keep what is written but change nothing: the BIOS area below
 * 1 MiB is always RAM. Devices add functions of their own with
 * pci_add_function() (the disk controller is 00:01.0); every other
 * function is absent (reads all ones).
 */
#include <pthread.h>
#include <stdbool.h>

#include "devices.h"
#include "util.h"
#include "vm.h"

#define PCI_PORT	0xcf8
#define RCR_PORT	0xcf9
#define ADDR_ENABLE	0x80000000u
#define MAX_FUNCTIONS	8

struct pci_function {
	unsigned devfn;
	uint8_t *config;	/* 256 bytes of configuration space */
	const uint8_t *wmask;	/* bits the guest may write */
};

static struct pci {
	pthread_mutex_t lock;
	struct vm *vm;
	uint32_t addr;
	uint8_t bridge[256];	/* config space of 00:00.0 */
	uint8_t bridge_wmask[256];
	struct pci_function fn[MAX_FUNCTIONS];
	unsigned nfn;
} pci = { .lock = PTHREAD_MUTEX_INITIALIZER };

void pci_add_function(unsigned devfn, uint8_t *config, const uint8_t *wmask)
{
	for (unsigned i = 0; i < pci.nfn; i++)
		if (pci.fn[i].devfn == devfn)
			die(EXIT_RUNTIME, "internal error: PCI function %02x.%x "
			    "added twice", devfn >> 3, devfn & 7);
	if (pci.nfn == MAX_FUNCTIONS)
		die(EXIT_RUNTIME, "internal error: too many PCI functions");
	pci.fn[pci.nfn++] = (struct pci_function){ devfn, config, wmask };
}

static void config_access(struct pci *p, unsigned off, uint8_t *data,
			  unsigned len, bool is_write)
{
	uint32_t a = p->addr;
	unsigned bus = a >> 16 & 0xff, devfn = a >> 8 & 0xff;
	const struct pci_function *f = NULL;

	if ((a & ADDR_ENABLE) && bus == 0)
		for (unsigned i = 0; i < p->nfn; i++)
			if (p->fn[i].devfn == devfn)
				f = &p->fn[i];
	for (unsigned i = 0; i < len; i++) {
		unsigned reg = ((a & 0xfc) + off + i) & 0xff;

		if (!is_write)
			data[i] = f ? f->config[reg] : 0xff;
		else if (f)
			f->config[reg] = (f->config[reg] & ~f->wmask[reg]) |
					 (data[i] & f->wmask[reg]);
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
	pci.bridge_wmask[0x04] = pci.bridge_wmask[0x05] = 0xff;	/* command */
	for (unsigned i = 0x59; i <= 0x5f; i++)
		pci.bridge_wmask[i] = 0xff;			/* PAM0-6 */
	pci.bridge_wmask[0x72] = 0xff;				/* SMRAM */
	pci_add_function(0, pci.bridge, pci.bridge_wmask);
	io_register(vm, PCI_PORT, 8, pci_io, &pci, "PCI");
}

const struct device_type pci_device = { "PCI", pci_init };
