/*
 * The [disk]: one ATA hard disk, device 0 of the primary channel of a
 * legacy IDE controller (Documentation/disk.md says why ATA and not
 * virtio-blk). PIO only, no bus-master DMA:
 *
 *   0x1f0       data (16-bit; 8- and 32-bit accesses move 1 or 4 bytes)
 *   0x1f1       error (read) / features (write)
 *   0x1f2-0x1f5 sector count, LBA low/mid/high (each with its "previous
 *               content" for 48-bit commands, read with HOB set)
 *   0x1f6       device: bit 4 selects device 1 (absent), bit 6 LBA
 *   0x1f7       status (read: clears the interrupt) / command (write)
 *   0x3f6       alternate status (read) / device control (write: nIEN,
 *               SRST, HOB)
 *   IRQ 14      while the device has an interrupt pending and nIEN is 0
 *
 * The controller is also a PCI function, 00:01.0, an Intel PIIX3 IDE
 * (8086:7010) in compatibility mode (programming interface 0: the fixed
 * ports and IRQ 14 above, no BARs): SeaBIOS only looks for disks on PCI
 * IDE functions once it has found a PCI bus, and Linux's ata_piix binds
 * to it.
 *
 * Commands: IDENTIFY DEVICE, READ/WRITE SECTORS (28- and 48-bit), READ
 * VERIFY, FLUSH CACHE (fdatasync), SET FEATURES, INITIALIZE DEVICE
 * PARAMETERS, RECALIBRATE, the power-management ones, CHECK POWER MODE.
 * Anything else (and IDENTIFY PACKET DEVICE: this is no ATAPI device)
 * ends with ERR and ABRT in the error register; an address beyond the
 * disk with ERR and IDNF; a failed read or write of the image with ERR and
 * UNC or ABRT, and the guest goes on.
 *
 * Every sector is read from or written to the image when the guest moves
 * it through the data port (pread/pwrite, no cache in vmrun): what the
 * guest was told is written is in the host's page cache. FLUSH CACHE and
 * the end of vmrun (atexit) fdatasync it.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "devices.h"
#include "util.h"
#include "vm.h"

#define ATA_CMD_PORT	0x1f0
#define ATA_CTL_PORT	0x3f6
#define IRQ_ATA		14
#define SECTOR		512
#define PCI_DEVFN	(1 << 3)	/* 00:01.0 */

/* Status register. */
#define ST_ERR		0x01
#define ST_DRQ		0x08
#define ST_DSC		0x10
#define ST_DRDY		0x40
#define ST_BSY		0x80

/* Error register. */
#define ER_ABRT		0x04
#define ER_IDNF		0x10
#define ER_UNC		0x40

/* Device control register. */
#define CTL_NIEN	0x02
#define CTL_SRST	0x04
#define CTL_HOB		0x80

/* Device register. */
#define DEV_DEV1	0x10
#define DEV_LBA		0x40

enum xfer { XFER_NONE, XFER_IN, XFER_OUT };

static struct ata {
	pthread_mutex_t lock;
	struct vm *vm;
	int fd;
	bool readonly;
	uint64_t sectors;
	bool dirty;		/* written since the last fdatasync */

	/* Task file: the current value and the one before (for LBA48). */
	uint8_t feature, nsect[2], lbal[2], lbam[2], lbah[2];
	uint8_t device, status, error, control;
	bool irq_pending, irq_line;

	/* Logical CHS geometry, for commands without the LBA bit. */
	unsigned heads, spt;

	/* The PIO transfer in progress. */
	enum xfer xfer;
	bool identify;		/* the buffer is IDENTIFY's data, not a sector */
	bool lba48;		/* the command is a 48-bit one */
	uint64_t lba;		/* sector in the buffer */
	uint32_t left;		/* sectors still to move, this one included */
	unsigned pos;		/* bytes of the buffer moved */
	uint8_t buf[SECTOR];
	uint16_t identify_data[256];

	uint8_t pci_config[256], pci_wmask[256];
} ata = { .lock = PTHREAD_MUTEX_INITIALIZER, .fd = -1 };

/* --- interrupt and status ------------------------------------------------ */

static void update_irq(struct ata *a)
{
	bool level = a->irq_pending && !(a->control & CTL_NIEN);

	if (level != a->irq_line) {
		a->irq_line = level;
		vm_irq_line(a->vm, IRQ_ATA, level);
	}
}

static void raise_irq(struct ata *a)
{
	a->irq_pending = true;
	update_irq(a);
}

/* End the command: no data (more), ready, and an interrupt. */
static void complete(struct ata *a)
{
	a->xfer = XFER_NONE;
	a->status = ST_DRDY | ST_DSC;
	a->error = 0;
	raise_irq(a);
}

static void command_error(struct ata *a, uint8_t error)
{
	a->xfer = XFER_NONE;
	a->status = ST_DRDY | ST_DSC | ST_ERR;
	a->error = error;
	raise_irq(a);
}

/* Power-on, hardware or software reset: the ATA device signature. */
static void reset(struct ata *a)
{
	a->xfer = XFER_NONE;
	a->nsect[0] = a->lbal[0] = 1;
	a->lbam[0] = a->lbah[0] = 0;
	a->device = 0;
	a->error = 0x01;		/* diagnostics passed, device 1 absent */
	a->status = ST_DRDY | ST_DSC;
	a->irq_pending = false;
	a->heads = 16;
	a->spt = 63;
	update_irq(a);
}

/* --- IDENTIFY DEVICE ------------------------------------------------------ */

static void put_string(uint16_t *w, const char *s, unsigned words)
{
	/* Two characters a word, the first in the high byte; space-padded. */
	for (unsigned i = 0; i < words; i++) {
		char c0 = *s ? *s++ : ' ';
		char c1 = *s ? *s++ : ' ';
		w[i] = (uint8_t)c0 << 8 | (uint8_t)c1;
	}
}

static void build_identify(struct ata *a)
{
	uint16_t *w = a->identify_data;
	uint64_t n = a->sectors;
	uint64_t lba28 = n < 0x0fffffff ? n : 0x0fffffff;
	uint64_t cyls = n / (16 * 63);
	uint8_t sum = 0;

	if (cyls > 16383)
		cyls = 16383;
	if (cyls == 0)
		cyls = 1;
	memset(w, 0, sizeof(a->identify_data));
	w[0] = 0x0040;			/* fixed device */
	w[1] = cyls;
	w[3] = 16;			/* heads */
	w[6] = 63;			/* sectors per track */
	put_string(w + 10, "VMRUN0001", 10);	/* serial number */
	put_string(w + 23, "0.1", 4);		/* firmware revision */
	put_string(w + 27, "vmrun ATA disk", 20);	/* model */
	w[47] = 0x8000;			/* no READ/WRITE MULTIPLE */
	w[49] = 0x0200;			/* LBA; no DMA */
	w[50] = 0x4000;
	w[51] = 0x0200;			/* PIO mode 2 timing (obsolete word) */
	w[53] = 0x0003;			/* words 54-58 and 64-70 valid */
	w[54] = cyls;			/* current CHS geometry */
	w[55] = 16;
	w[56] = 63;
	w[57] = (cyls * 16 * 63) & 0xffff;
	w[58] = (cyls * 16 * 63) >> 16;
	w[60] = lba28 & 0xffff;
	w[61] = lba28 >> 16;
	w[64] = 0x0003;			/* PIO modes 3 and 4 */
	w[65] = w[66] = w[67] = w[68] = 120;	/* cycle times, ns */
	w[80] = 0x00f0;			/* ATA/ATAPI-4 to -7 */
	w[82] = 0x4020;			/* NOP, write cache */
	w[83] = 0x7400;			/* FLUSH CACHE (EXT), 48-bit addresses */
	w[84] = 0x4000;
	w[85] = 0x4020;			/* write cache enabled */
	w[86] = 0x3400;			/* as word 83, enabled */
	w[87] = 0x4000;
	w[93] = 0x4049;			/* reset: device 0 only, diagnostics ok */
	w[100] = n & 0xffff;
	w[101] = n >> 16;
	w[102] = n >> 32;
	w[103] = n >> 48;
	/* Integrity word: signature A5h, then a checksum making it all 0. */
	w[255] = 0x00a5;
	for (unsigned i = 0; i < 256; i++)
		sum += (w[i] & 0xff) + (w[i] >> 8);
	w[255] |= (uint16_t)(uint8_t)-sum << 8;
}

/* --- sector transfers ------------------------------------------------------ */

/* The address the task file names, or false for an impossible CHS one. */
static bool command_lba(struct ata *a, bool lba48, uint64_t *lba, uint32_t *count)
{
	if (lba48) {
		*lba = (uint64_t)a->lbah[1] << 40 | (uint64_t)a->lbam[1] << 32 |
		       (uint64_t)a->lbal[1] << 24 | (uint64_t)a->lbah[0] << 16 |
		       (uint64_t)a->lbam[0] << 8 | a->lbal[0];
		*count = (uint32_t)a->nsect[1] << 8 | a->nsect[0];
		if (!*count)
			*count = 65536;
		return true;
	}
	*count = a->nsect[0] ? a->nsect[0] : 256;
	if (a->device & DEV_LBA) {
		*lba = (uint64_t)(a->device & 0x0f) << 24 | (uint64_t)a->lbah[0] << 16 |
		       (uint64_t)a->lbam[0] << 8 | a->lbal[0];
		return true;
	}
	unsigned cyl = a->lbah[0] << 8 | a->lbam[0], head = a->device & 0x0f;
	unsigned sector = a->lbal[0];

	if (sector == 0 || sector > a->spt || head >= a->heads)
		return false;
	*lba = ((uint64_t)cyl * a->heads + head) * a->spt + sector - 1;
	return true;
}

/*
 * After a command ends early, the task file holds the address of the
 * sector where it stopped; ATA wants that for the error, and it costs
 * little to give.
 */
static void set_error_lba(struct ata *a, uint64_t lba, bool lba48)
{
	if (!(a->device & DEV_LBA) && !lba48)
		return;
	a->lbal[0] = lba;
	a->lbam[0] = lba >> 8;
	a->lbah[0] = lba >> 16;
	if (lba48) {
		a->lbal[1] = lba >> 24;
		a->lbam[1] = lba >> 32;
		a->lbah[1] = lba >> 40;
	} else {
		a->device = (a->device & 0xf0) | ((lba >> 24) & 0x0f);
	}
}

/* Fill the buffer with the sector at a->lba; false (and ERR) if it fails. */
static bool load_sector(struct ata *a)
{
	if (pread_all(a->fd, a->buf, SECTOR, a->lba * SECTOR) < 0) {
		command_error(a, ER_UNC);
		return false;
	}
	a->pos = 0;
	a->status = ST_DRDY | ST_DSC | ST_DRQ;
	raise_irq(a);
	return true;
}

static void rw_command(struct ata *a, bool write, bool lba48)
{
	uint64_t lba;
	uint32_t count;

	if (!command_lba(a, lba48, &lba, &count) || lba >= a->sectors ||
	    count > a->sectors - lba) {
		command_error(a, ER_IDNF);
		return;
	}
	a->lba = lba;
	a->left = count;
	a->pos = 0;
	if (write) {
		if (a->readonly) {
			command_error(a, ER_ABRT);
			return;
		}
		/* The first sector is asked for without an interrupt. */
		a->xfer = XFER_OUT;
		a->status = ST_DRDY | ST_DSC | ST_DRQ;
		a->error = 0;
	} else {
		a->xfer = XFER_IN;
		a->error = 0;
		load_sector(a);
	}
}

/* The guest moved the whole buffer: on to the next sector, or done. */
static void sector_done(struct ata *a, bool lba48)
{
	if (a->xfer == XFER_OUT) {
		if (pwrite(a->fd, a->buf, SECTOR, a->lba * SECTOR) != SECTOR) {
			set_error_lba(a, a->lba, lba48);
			command_error(a, ER_ABRT);
			return;
		}
		a->dirty = true;
	}
	a->lba++;
	if (--a->left == 0) {
		if (a->xfer == XFER_OUT)
			complete(a);
		else		/* a read's last DRQ block ends it, no interrupt */
			a->xfer = XFER_NONE, a->status = ST_DRDY | ST_DSC;
		return;
	}
	if (a->xfer == XFER_IN) {
		load_sector(a);
	} else {
		a->pos = 0;
		a->status = ST_DRDY | ST_DSC | ST_DRQ;
		raise_irq(a);
	}
}

static void data_io(struct ata *a, uint8_t *data, unsigned len, bool is_write)
{
	if (a->xfer == XFER_NONE || !(a->status & ST_DRQ) ||
	    is_write != (a->xfer == XFER_OUT)) {
		if (!is_write)
			memset(data, 0, len);
		return;
	}
	for (unsigned i = 0; i < len; i++) {
		if (is_write)
			a->buf[a->pos] = data[i];
		else
			data[i] = a->buf[a->pos];
		if (++a->pos == SECTOR) {
			if (a->identify) {
				a->xfer = XFER_NONE;
				a->status = ST_DRDY | ST_DSC;
				memset(data + i + 1, 0, len - i - 1);
				return;
			}
			sector_done(a, a->lba48);
			if (a->xfer == XFER_NONE || !(a->status & ST_DRQ)) {
				if (!is_write)
					memset(data + i + 1, 0, len - i - 1);
				return;
			}
		}
	}
}

/* --- commands -------------------------------------------------------------- */

static void flush(struct ata *a)
{
	if (a->dirty && fdatasync(a->fd) < 0 && errno != EINVAL) {
		command_error(a, ER_ABRT);
		return;
	}
	a->dirty = false;
	complete(a);
}

static void set_features(struct ata *a)
{
	switch (a->feature) {
	case 0x03:		/* set transfer mode: PIO only */
		if ((a->nsect[0] & 0xf8) == 0x00 || (a->nsect[0] & 0xf8) == 0x08)
			complete(a);
		else
			command_error(a, ER_ABRT);
		break;
	case 0x02: case 0x82:	/* write cache on/off: it is the page cache */
	case 0x55: case 0xaa:	/* read look-ahead off/on */
	case 0x66: case 0xcc:	/* keep/revert to power-on defaults */
		complete(a);
		break;
	default:
		command_error(a, ER_ABRT);
	}
}

static void command(struct ata *a, uint8_t cmd)
{
	a->irq_pending = false;
	update_irq(a);
	a->identify = a->lba48 = false;
	switch (cmd) {
	case 0xec:		/* IDENTIFY DEVICE */
		memcpy(a->buf, a->identify_data, SECTOR);
		a->xfer = XFER_IN;
		a->identify = true;
		a->left = 1;
		a->pos = 0;
		a->error = 0;
		a->status = ST_DRDY | ST_DSC | ST_DRQ;
		raise_irq(a);
		break;
	case 0x20: case 0x21:	/* READ SECTORS (with/without retries) */
		rw_command(a, false, false);
		break;
	case 0x24:		/* READ SECTORS EXT */
		a->lba48 = true;
		rw_command(a, false, true);
		break;
	case 0x30: case 0x31:	/* WRITE SECTORS */
		rw_command(a, true, false);
		break;
	case 0x34:		/* WRITE SECTORS EXT */
		a->lba48 = true;
		rw_command(a, true, true);
		break;
	case 0x40: case 0x41: case 0x42: {	/* READ VERIFY SECTORS (EXT) */
		uint64_t lba;
		uint32_t count;

		if (!command_lba(a, cmd == 0x42, &lba, &count) ||
		    lba >= a->sectors || count > a->sectors - lba)
			command_error(a, ER_IDNF);
		else
			complete(a);
		break;
	}
	case 0xe7: case 0xea:	/* FLUSH CACHE (EXT) */
		flush(a);
		break;
	case 0xef:		/* SET FEATURES */
		set_features(a);
		break;
	case 0x91:		/* INITIALIZE DEVICE PARAMETERS */
		if (a->nsect[0] == 0) {
			command_error(a, ER_ABRT);
			break;
		}
		a->spt = a->nsect[0];
		a->heads = (a->device & 0x0f) + 1;
		complete(a);
		break;
	case 0x10 ... 0x1f:	/* RECALIBRATE */
	case 0xe0: case 0xe1: case 0xe2: case 0xe3:	/* STANDBY, IDLE (IMMEDIATE) */
		complete(a);
		break;
	case 0xe5:		/* CHECK POWER MODE: active */
		a->nsect[0] = 0xff;
		complete(a);
		break;
	default:		/* incl. IDENTIFY PACKET DEVICE, NOP, DEVICE RESET */
		command_error(a, ER_ABRT);
		break;
	}
}

/* --- ports ------------------------------------------------------------------ */

static uint8_t read_status(struct ata *a, bool clear_irq)
{
	if (a->device & DEV_DEV1)
		return 0;	/* device 1 is absent: device 0 answers 00h */
	if (clear_irq && a->irq_pending) {
		a->irq_pending = false;
		update_irq(a);
	}
	return a->status;
}

static void cmd_io(void *opaque, uint16_t port, uint8_t *data, unsigned len,
		   bool is_write)
{
	struct ata *a = opaque;
	unsigned reg = port - ATA_CMD_PORT;
	bool hob = a->control & CTL_HOB;

	pthread_mutex_lock(&a->lock);
	if (reg == 0) {
		if (a->device & DEV_DEV1) {
			if (!is_write)
				memset(data, 0, len);
		} else {
			data_io(a, data, len, is_write);
		}
		pthread_mutex_unlock(&a->lock);
		return;
	}
	if (is_write) {
		uint8_t v = data[0];

		/* Taskfile writes end HOB reads; the command register waits. */
		if (reg != 7)
			a->control &= ~CTL_HOB;
		switch (reg) {
		case 1: a->feature = v; break;
		case 2: a->nsect[1] = a->nsect[0]; a->nsect[0] = v; break;
		case 3: a->lbal[1] = a->lbal[0]; a->lbal[0] = v; break;
		case 4: a->lbam[1] = a->lbam[0]; a->lbam[0] = v; break;
		case 5: a->lbah[1] = a->lbah[0]; a->lbah[0] = v; break;
		case 6: a->device = v; break;
		case 7:
			/* Device 1 is absent: its commands go nowhere. */
			if (!(a->device & DEV_DEV1) && !(a->control & CTL_SRST))
				command(a, v);
			break;
		}
	} else {
		uint8_t v = 0;

		switch (reg) {
		case 1: v = a->device & DEV_DEV1 ? 0 : a->error; break;
		case 2: v = a->nsect[hob]; break;
		case 3: v = a->lbal[hob]; break;
		case 4: v = a->lbam[hob]; break;
		case 5: v = a->lbah[hob]; break;
		case 6: v = a->device | 0xa0; break;	/* obsolete bits read 1 */
		case 7: v = read_status(a, true); break;
		}
		/* Wider accesses to these byte registers: the rest floats. */
		data[0] = v;
		memset(data + 1, 0xff, len - 1);
	}
	pthread_mutex_unlock(&a->lock);
}

static void ctl_io(void *opaque, uint16_t port, uint8_t *data, unsigned len,
		   bool is_write)
{
	struct ata *a = opaque;

	pthread_mutex_lock(&a->lock);
	if (is_write) {
		uint8_t old = a->control, v = data[0];

		a->control = v;
		if ((old & CTL_SRST) && !(v & CTL_SRST)) {
			reset(a);
		} else if (v & CTL_SRST) {
			a->xfer = XFER_NONE;
			a->status = ST_BSY;
		}
		update_irq(a);
	} else {
		data[0] = read_status(a, false);
		memset(data + 1, 0xff, len - 1);
	}
	pthread_mutex_unlock(&a->lock);
}

static void ata_flush_at_exit(void)
{
	/* No lock: a vCPU may be stopped inside a handler holding it. */
	if (ata.fd >= 0 && ata.dirty && fdatasync(ata.fd) < 0)
		note("disk '%s': fdatasync: %s", ata.vm->cfg->disk.path,
		     strerror(errno));
}

static void pci_function_init(struct ata *a)
{
	uint8_t *c = a->pci_config, *m = a->pci_wmask;

	c[0x00] = 0x86; c[0x01] = 0x80;	/* Intel */
	c[0x02] = 0x10; c[0x03] = 0x70;	/* 82371SB PIIX3 IDE */
	c[0x04] = 0x01;			/* command: I/O space */
	c[0x06] = 0x80; c[0x07] = 0x02;	/* status: fast back-to-back, DEVSEL medium */
	c[0x08] = 0x00;			/* revision */
	c[0x09] = 0x00;			/* prog-if: both channels legacy, no DMA */
	c[0x0a] = 0x01;			/* subclass: IDE */
	c[0x0b] = 0x01;			/* class: mass storage */
	c[0x0e] = 0x00;			/* header type 0, single function */
	c[0x2c] = 0xf4; c[0x2d] = 0x1a;	/* subsystem vendor: Red Hat (QEMU) */
	c[0x2e] = 0x00; c[0x2f] = 0x11;	/* subsystem: QEMU */
	c[0x41] = 0x80;			/* IDETIM primary: decode enabled */
	m[0x04] = 0x07;			/* I/O, memory, bus master */
	m[0x0d] = 0xff;			/* latency timer */
	m[0x3c] = 0xff;			/* interrupt line */
	for (unsigned i = 0x40; i <= 0x48; i++)	/* IDETIM, SIDETIM, UDMA... */
		m[i] = 0xff;
	pci_add_function(PCI_DEVFN, c, m);
}

static void ata_init(struct vm *vm)
{
	const struct config *cfg = vm->cfg;

	if (cfg->disk.fd < 0)
		return;
	ata.vm = vm;
	ata.fd = cfg->disk.fd;
	ata.readonly = cfg->disk_readonly;
	ata.sectors = cfg->disk.size / SECTOR;
	build_identify(&ata);
	reset(&ata);
	pci_function_init(&ata);
	io_register(vm, ATA_CMD_PORT, 8, cmd_io, &ata, "ATA");
	io_register(vm, ATA_CTL_PORT, 1, ctl_io, &ata, "ATA control");
	if (!ata.readonly && atexit(ata_flush_at_exit))
		die(EXIT_RUNTIME, "atexit failed");
}

const struct device_type ata_device = { "ATA disk", ata_init };
