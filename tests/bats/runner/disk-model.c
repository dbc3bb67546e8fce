/*
 * disk-model: the ATA disk model (user/devices/ata.c) driven through its
 * ports without a hypervisor, as SeaBIOS and Linux's libata drive it, plus
 * the bad requests a guest can make. Built and run by tests/bats/disk.bats:
 *
 *   cc -Iuser/runner -Iuser/devices -D_GNU_SOURCE disk-model.c \
 *      user/runner/util.c -o disk-model && ./disk-model
 *
 * Prints TAP; exits 1 if a check failed. The image is a temporary file of
 * 4096 sectors whose sector n starts with "sector n" and is filled with
 * n & 0xff after that.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../../user/devices/ata.c"

#define NSECT 4096

static struct { uint16_t base, len; io_handler_fn *fn; void *opaque; } ports[4];
static unsigned nports;
static int irq_level, irq_edges;
static uint8_t *pci_cfg;
static int tests, failures;

void io_register(struct vm *vm, uint16_t base, uint16_t len, io_handler_fn *fn,
		 void *opaque, const char *name)
{
	ports[nports].base = base;
	ports[nports].len = len;
	ports[nports].fn = fn;
	ports[nports++].opaque = opaque;
}

void vm_irq_line(struct vm *vm, unsigned irq, int level)
{
	if (irq != IRQ_ATA) {
		printf("# IRQ %u driven\n", irq);
		failures++;
	}
	if (level && !irq_level)
		irq_edges++;
	irq_level = level;
}

void pci_add_function(unsigned devfn, uint8_t *config, const uint8_t *wmask)
{
	if (devfn == PCI_DEVFN)
		pci_cfg = config;
}

static void io(uint16_t port, uint8_t *data, unsigned len, bool is_write)
{
	for (unsigned i = 0; i < nports; i++)
		if (port >= ports[i].base && port < ports[i].base + ports[i].len) {
			ports[i].fn(ports[i].opaque, port, data, len, is_write);
			return;
		}
	memset(data, 0xff, len);
}

static void outb(uint16_t port, uint8_t v) { io(port, &v, 1, true); }
static uint8_t inb(uint16_t port) { uint8_t v; io(port, &v, 1, false); return v; }

static void insw(uint8_t *buf, unsigned words)
{
	for (unsigned i = 0; i < words; i++)
		io(0x1f0, buf + 2 * i, 2, false);
}

static void outsw(const uint8_t *buf, unsigned words)
{
	for (unsigned i = 0; i < words; i++)
		io(0x1f0, (uint8_t *)buf + 2 * i, 2, true);
}

static void ok(bool cond, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", cond ? "" : "not ", ++tests);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond)
		failures++;
}

static void expected_sector(uint8_t *buf, uint64_t n)
{
	memset(buf, n & 0xff, SECTOR);
	snprintf((char *)buf, 32, "sector %" PRIu64, n);
}

/* LBA28 task file, then the command. */
static void cmd28(uint8_t cmd, uint32_t lba, uint8_t count)
{
	outb(0x1f2, count);
	outb(0x1f3, lba);
	outb(0x1f4, lba >> 8);
	outb(0x1f5, lba >> 16);
	outb(0x1f6, 0xe0 | ((lba >> 24) & 0x0f));
	outb(0x1f7, cmd);
}

static void cmd48(uint8_t cmd, uint64_t lba, uint16_t count)
{
	outb(0x1f2, count >> 8);
	outb(0x1f3, lba >> 24);
	outb(0x1f4, lba >> 32);
	outb(0x1f5, lba >> 40);
	outb(0x1f2, count);
	outb(0x1f3, lba);
	outb(0x1f4, lba >> 8);
	outb(0x1f5, lba >> 16);
	outb(0x1f6, 0x40);
	outb(0x1f7, cmd);
}

static struct vm vm;
static struct config cfg;

static void attach(int fd, bool readonly)
{
	memset(&ata, 0, sizeof(ata));
	pthread_mutex_init(&ata.lock, NULL);
	ata.fd = -1;
	nports = 0;
	cfg.disk.fd = fd;
	cfg.disk.size = (uint64_t)NSECT * SECTOR;
	cfg.disk.path = "disk-model.img";
	cfg.disk_readonly = readonly;
	vm.cfg = &cfg;
	ata_device.init(&vm);
}

/* Read `count` sectors from `lba` as SeaBIOS does, comparing each. */
static bool read_sectors(bool ext, uint64_t lba, unsigned count, int *edges)
{
	uint8_t buf[SECTOR], want[SECTOR];
	bool good = true;

	irq_edges = 0;
	if (ext)
		cmd48(0x24, lba, count);
	else
		cmd28(0x20, lba, count);
	for (unsigned i = 0; i < count; i++) {
		uint8_t st = inb(0x1f7);

		if ((st & (ST_BSY | ST_DRQ | ST_ERR)) != ST_DRQ) {
			printf("# sector %u of %u: status %#x\n", i, count, st);
			return false;
		}
		insw(buf, 256);
		expected_sector(want, lba + i);
		good &= !memcmp(buf, want, SECTOR);
	}
	*edges = irq_edges;
	return good && inb(0x1f7) == (ST_DRDY | ST_DSC);
}

int main(void)
{
	char path[] = "/tmp/disk-model-XXXXXX";
	int fd = mkstemp(path);
	uint8_t buf[SECTOR], want[SECTOR];
	uint16_t id[256];
	int edges;

	if (fd < 0) {
		perror("mkstemp");
		return 1;
	}
	unlink(path);
	for (uint64_t n = 0; n < NSECT; n++) {
		expected_sector(buf, n);
		if (pwrite(fd, buf, SECTOR, n * SECTOR) != SECTOR) {
			perror("pwrite");
			return 1;
		}
	}

	attach(fd, false);
	ok(nports == 2, "ports 0x1f0-0x1f7 and 0x3f6 registered");
	ok(inb(0x1f7) == 0x50 && inb(0x1f2) == 1 && inb(0x1f3) == 1 &&
	   inb(0x1f4) == 0 && inb(0x1f5) == 0 && inb(0x1f1) == 1,
	   "reset state: ready, ATA signature, diagnostics passed");
	ok(pci_cfg && pci_cfg[0] == 0x86 && pci_cfg[1] == 0x80 && pci_cfg[2] == 0x10 &&
	   pci_cfg[3] == 0x70 && pci_cfg[9] == 0 && pci_cfg[10] == 1 && pci_cfg[11] == 1,
	   "PCI 00:01.0 is a PIIX3 IDE (8086:7010, class 01:01, legacy mode)");

	/* SeaBIOS's probe: the registers hold what is written. */
	outb(0x1f6, 0xa0);
	outb(0x1f2, 0x55);
	outb(0x1f3, 0xaa);
	ok(inb(0x1f2) == 0x55 && inb(0x1f3) == 0xaa && inb(0x1f6) == 0xa0,
	   "task file registers read back");

	/* Software reset. */
	outb(0x3f6, 0x0e);
	ok(inb(0x3f6) & ST_BSY, "SRST set: busy");
	outb(0x1f7, 0xec);	/* ignored during reset */
	outb(0x3f6, 0x0a);
	ok(inb(0x3f6) == 0x50 && inb(0x1f2) == 1 && inb(0x1f3) == 1,
	   "SRST cleared: ready with the signature again");

	/* IDENTIFY PACKET DEVICE: not ATAPI. */
	outb(0x1f7, 0xa1);
	ok(inb(0x1f7) == (ST_DRDY | ST_DSC | ST_ERR) && inb(0x1f1) == ER_ABRT,
	   "IDENTIFY PACKET DEVICE aborts (no ATAPI)");

	/* IDENTIFY DEVICE. */
	outb(0x3f6, 0x08);	/* interrupts on (nIEN = 0) */
	irq_edges = 0;
	outb(0x1f7, 0xec);
	ok(irq_level && irq_edges == 1, "IDENTIFY raises IRQ 14");
	ok(inb(0x3f6) == (ST_DRDY | ST_DSC | ST_DRQ) && irq_level,
	   "alternate status shows DRQ and leaves the interrupt pending");
	ok(inb(0x1f7) == (ST_DRDY | ST_DSC | ST_DRQ) && !irq_level,
	   "status shows DRQ and clears the interrupt");
	insw((uint8_t *)id, 256);
	uint8_t sum = 0;
	for (unsigned i = 0; i < 256; i++)
		sum += (id[i] & 0xff) + (id[i] >> 8);
	char model[41];
	for (unsigned i = 0; i < 20; i++) {
		model[2 * i] = id[27 + i] >> 8;
		model[2 * i + 1] = id[27 + i];
	}
	model[40] = 0;
	ok(id[0] == 0x0040 && (id[49] & 0x200) && (id[83] & 0x400) &&
	   (id[60] | (uint32_t)id[61] << 16) == NSECT && id[100] == NSECT &&
	   !id[101] && !id[102] && !id[103] && (id[255] & 0xff) == 0xa5 && sum == 0 &&
	   !strncmp(model, "vmrun ATA disk ", 15),
	   "IDENTIFY data: fixed disk, LBA, LBA48, %d sectors, checksum, model", NSECT);
	ok(inb(0x1f7) == 0x50, "status after IDENTIFY's data: ready, no DRQ");
	ok((id[93] & 0xdf61) == 0x4041, "word 93 tells SeaBIOS device 1 is absent");

	/* Reads. */
	ok(read_sectors(false, 1, 3, &edges) && edges == 3,
	   "READ SECTORS (LBA28) of 3 sectors: right data, one IRQ a sector");
	ok(read_sectors(true, NSECT - 2, 2, &edges),
	   "READ SECTORS EXT (LBA48) of the last 2 sectors");
	ok(read_sectors(false, 7, 1, &edges), "READ SECTORS of one sector");

	/* 32-bit data port accesses. */
	cmd28(0x20, 9, 1);
	for (unsigned i = 0; i < SECTOR; i += 4)
		io(0x1f0, buf + i, 4, false);
	expected_sector(want, 9);
	ok(!memcmp(buf, want, SECTOR) && inb(0x1f7) == 0x50, "32-bit data port reads");

	/* CHS: cylinder 0, head 1, sector 2 is LBA 64 (16 heads, 63 sectors). */
	outb(0x1f2, 1);
	outb(0x1f3, 2);
	outb(0x1f4, 0);
	outb(0x1f5, 0);
	outb(0x1f6, 0xa1);
	outb(0x1f7, 0x20);
	insw(buf, 256);
	expected_sector(want, 64);
	ok(!memcmp(buf, want, SECTOR), "READ SECTORS with a CHS address");
	outb(0x1f3, 0);		/* sector 0 does not exist */
	outb(0x1f6, 0xa0);
	outb(0x1f7, 0x20);
	ok(inb(0x1f7) == 0x51 && inb(0x1f1) == ER_IDNF, "CHS sector 0: IDNF");

	/* Writes. */
	uint8_t data[2][SECTOR];
	for (unsigned s = 0; s < 2; s++)
		for (unsigned i = 0; i < SECTOR; i++)
			data[s][i] = i * 3 + s;
	irq_edges = 0;
	cmd28(0x30, 20, 2);
	ok(inb(0x1f7) == (ST_DRDY | ST_DSC | ST_DRQ) && irq_edges == 0,
	   "WRITE SECTORS: DRQ for the first sector, no IRQ yet");
	outsw(data[0], 256);
	ok(inb(0x1f7) == (ST_DRDY | ST_DSC | ST_DRQ) && irq_edges == 1,
	   "WRITE SECTORS: IRQ and DRQ for the second sector");
	outsw(data[1], 256);
	ok(inb(0x1f7) == 0x50 && irq_edges == 2, "WRITE SECTORS: IRQ at the end, ready");
	ok(pread(fd, buf, SECTOR, 20 * SECTOR) == SECTOR && !memcmp(buf, data[0], SECTOR) &&
	   pread(fd, buf, SECTOR, 21 * SECTOR) == SECTOR && !memcmp(buf, data[1], SECTOR),
	   "the written sectors are in the image");
	expected_sector(want, 22);
	ok(pread(fd, buf, SECTOR, 22 * SECTOR) == SECTOR && !memcmp(buf, want, SECTOR),
	   "the sector after them is untouched");
	cmd48(0x34, NSECT - 1, 1);
	outsw(data[1], 256);
	ok(inb(0x1f7) == 0x50 && pread(fd, buf, SECTOR, (NSECT - 1) * SECTOR) == SECTOR &&
	   !memcmp(buf, data[1], SECTOR), "WRITE SECTORS EXT to the last sector");
	outb(0x1f7, 0xe7);
	ok(inb(0x1f7) == 0x50 && !ata.dirty, "FLUSH CACHE");
	outb(0x1f7, 0xea);
	ok(inb(0x1f7) == 0x50, "FLUSH CACHE EXT");

	/* Bad requests: errors, and the device goes on. */
	cmd28(0x20, NSECT, 1);
	ok(inb(0x1f7) == 0x51 && inb(0x1f1) == ER_IDNF, "READ past the end: ERR, IDNF");
	cmd28(0x20, NSECT - 1, 2);
	ok(inb(0x1f7) == 0x51 && inb(0x1f1) == ER_IDNF, "READ running past the end: IDNF");
	cmd28(0x30, NSECT, 1);
	ok(inb(0x1f7) == 0x51 && inb(0x1f1) == ER_IDNF, "WRITE past the end: IDNF");
	cmd48(0x24, 0xffffffffffffULL, 0);
	ok(inb(0x1f7) == 0x51 && inb(0x1f1) == ER_IDNF, "READ EXT at LBA 2^48-1: IDNF");
	cmd28(0x20, 0x0fffffff, 0);
	ok(inb(0x1f7) == 0x51 && inb(0x1f1) == ER_IDNF, "READ of 256 sectors at LBA 2^28-1: IDNF");
	cmd28(0x40, NSECT - 1, 2);
	ok(inb(0x1f7) == 0x51 && inb(0x1f1) == ER_IDNF, "READ VERIFY past the end: IDNF");
	cmd28(0x40, 0, 16);
	ok(inb(0x1f7) == 0x50, "READ VERIFY inside the disk");
	static const uint8_t bad[] = { 0x00, 0x08, 0x25, 0x35, 0xc4, 0xc5, 0xc6,
				       0xc8, 0xca, 0xa0, 0xb0, 0xf8, 0x2f, 0xff };
	bool all = true;
	for (unsigned i = 0; i < sizeof(bad); i++) {
		outb(0x1f7, bad[i]);
		uint8_t st = inb(0x1f7), er = inb(0x1f1);
		if (st != 0x51 || er != ER_ABRT) {
			printf("# command %#x: status %#x error %#x\n", bad[i], st, er);
			all = false;
		}
		uint16_t w = 0x1234;
		io(0x1f0, (uint8_t *)&w, 2, false);	/* no data to read */
		all &= w == 0;
		io(0x1f0, (uint8_t *)&w, 2, true);	/* nor to write */
	}
	ok(all, "unsupported commands (DMA, MULTIPLE, PACKET, SMART, ...): ERR, ABRT");
	outb(0x1f1, 0x03);
	outb(0x1f2, 0x45);	/* UDMA mode 5 */
	outb(0x1f7, 0xef);
	ok(inb(0x1f7) == 0x51 && inb(0x1f1) == ER_ABRT, "SET FEATURES to a DMA mode: ABRT");
	outb(0x1f2, 0x0c);	/* PIO mode 4 */
	outb(0x1f7, 0xef);
	ok(inb(0x1f7) == 0x50, "SET FEATURES to PIO mode 4");
	ok(read_sectors(false, 5, 2, &edges), "reads work after the errors");

	/* A read cut short by a new command. */
	cmd28(0x20, 30, 4);
	insw(buf, 100);
	ok(read_sectors(false, 40, 1, &edges), "a new command ends a transfer half done");

	/* nIEN masks the line, and an interrupt pending shows once unmasked. */
	outb(0x3f6, 0x0a);
	irq_edges = 0;
	outb(0x1f7, 0xe7);
	ok(!irq_level && irq_edges == 0, "nIEN set: no IRQ");
	outb(0x3f6, 0x08);
	ok(irq_level, "nIEN cleared with an interrupt pending: IRQ");
	inb(0x1f7);
	ok(!irq_level, "reading status lowers it");

	/* Device 1 is absent. */
	outb(0x1f6, 0xb0);
	ok(inb(0x1f7) == 0 && inb(0x3f6) == 0 && inb(0x1f1) == 0,
	   "device 1 selected: status, alternate status and error read 0");
	outb(0x1f7, 0xec);
	ok(inb(0x1f7) == 0 && !irq_level, "device 1's commands go nowhere");
	outb(0x1f6, 0xa0);
	ok(inb(0x1f7) == 0x50, "device 0 again: ready");

	/* Read-only. */
	attach(fd, true);
	pread(fd, want, SECTOR, 20 * SECTOR);
	cmd28(0x30, 20, 1);
	ok(inb(0x1f7) == 0x51 && inb(0x1f1) == ER_ABRT, "read-only: WRITE SECTORS aborts");
	outsw(data[0] + 1, 256);
	ok(pread(fd, buf, SECTOR, 20 * SECTOR) == SECTOR && !memcmp(buf, want, SECTOR),
	   "read-only: the image is unchanged");
	ok(read_sectors(false, 3, 1, &edges), "read-only: reads work");

	/* The image shrank under vmrun: reads fail with UNC. */
	attach(fd, false);
	if (ftruncate(fd, 100 * SECTOR) < 0)
		perror("ftruncate");
	cmd28(0x20, 200, 1);
	ok(inb(0x1f7) == 0x51 && inb(0x1f1) == ER_UNC, "a failing read of the image: ERR, UNC");

	printf("1..%d\n", tests);
	return failures ? 1 : 0;
}
