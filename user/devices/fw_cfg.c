/*
 * QEMU's firmware configuration interface, as SeaBIOS reads it
 * (QEMU docs/specs/fw_cfg.rst): present only with a [firmware].
 *
 *   0x510  selector (16-bit write: pick an item, rewind it)
 *   0x511  data (8-bit reads walk the item; 0 past its end)
 *   0x514  DMA address, 64-bit big-endian: high half at 0x514, low half
 *          at 0x518; writing the low half runs the transfer. Reading
 *          0x514-0x51b gives the signature "QEMU CFG".
 *
 * Items: signature, features (traditional + DMA), RAM size, CPU counts,
 * the file directory and files such as etc/e820 (added by the boot code).
 */
#include <endian.h>
#include <linux/qemu_fw_cfg.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include "devices.h"
#include "util.h"
#include "vm.h"

#define FW_CFG_PORT	0x510
#define FW_CFG_NPORTS	12

#define MAX_ITEMS	32
#define MAX_FILES	16
#define FILE_NAME_MAX	FW_CFG_MAX_FILE_PATH

struct item {
	uint16_t key;
	const uint8_t *data;
	uint32_t size;
};

struct __attribute__((packed)) dir_entry {	/* big-endian, as on the wire */
	uint32_t size;
	uint16_t select;
	uint16_t reserved;
	char name[FILE_NAME_MAX];
};

struct __attribute__((packed)) e820_entry {	/* little-endian */
	uint64_t addr, len;
	uint32_t type;
};

static struct fw_cfg {
	pthread_mutex_t lock;
	struct vm *vm;
	bool enabled;
	struct item items[MAX_ITEMS];
	unsigned nitems;
	const struct item *cur;		/* selected item, NULL if none */
	uint32_t offset;
	uint32_t dma_high;

	/* Storage for the items made here (integers are little-endian). */
	uint32_t id;
	uint64_t ram_size;
	uint16_t ncpus, nographic;
	struct {
		uint32_t count;
		struct dir_entry e[MAX_FILES];
	} __attribute__((packed)) dir;
	struct e820_entry e820[2];
} fw = { .lock = PTHREAD_MUTEX_INITIALIZER };

void fw_cfg_add_item(uint16_t key, const void *data, uint32_t size)
{
	if (fw.nitems == MAX_ITEMS)
		die(EXIT_RUNTIME, "internal error: too many fw_cfg items");
	fw.items[fw.nitems++] = (struct item){ key, data, size };
}

void fw_cfg_add_file(const char *name, const void *data, uint32_t size)
{
	uint32_t n = be32toh(fw.dir.count);

	if (n == MAX_FILES || strlen(name) >= FILE_NAME_MAX)
		die(EXIT_RUNTIME, "internal error: cannot add fw_cfg file %s", name);
	fw.dir.e[n] = (struct dir_entry){
		.size = htobe32(size), .select = htobe16(FW_CFG_FILE_FIRST + n),
	};
	strcpy(fw.dir.e[n].name, name);
	fw.dir.count = htobe32(n + 1);
	fw_cfg_add_item(FW_CFG_FILE_FIRST + n, data, size);
	/* The directory item's size follows the count of files. */
	for (unsigned i = 0; i < fw.nitems; i++)
		if (fw.items[i].key == FW_CFG_FILE_DIR)
			fw.items[i].size = 4 + (n + 1) * sizeof(struct dir_entry);
}

static void select_item(struct fw_cfg *f, uint16_t key)
{
	f->cur = NULL;
	f->offset = 0;
	for (unsigned i = 0; i < f->nitems; i++)
		if (f->items[i].key == key)
			f->cur = &f->items[i];
}

/* Copy up to `len` bytes of the selected item out; zeros past its end. */
static void read_item(struct fw_cfg *f, uint8_t *dst, uint32_t len)
{
	uint32_t avail = 0;

	if (f->cur && f->offset < f->cur->size)
		avail = f->cur->size - f->offset;
	if (avail > len)
		avail = len;
	if (avail)
		memcpy(dst, f->cur->data + f->offset, avail);
	memset(dst + avail, 0, len - avail);
	f->offset += len;
}

static void run_dma(struct fw_cfg *f, uint64_t addr)
{
	struct { uint32_t control, length; uint64_t address; } *d;
	uint32_t control, length, status = 0;
	uint64_t target;

	d = gpa_to_host(f->vm, addr, sizeof(*d));
	if (!d)
		return;		/* not RAM: nowhere to report to */
	control = be32toh(d->control);
	length = be32toh(d->length);
	target = be64toh(d->address);

	if (control & FW_CFG_DMA_CTL_SELECT)
		select_item(f, control >> 16);
	if (control & FW_CFG_DMA_CTL_WRITE) {
		status = FW_CFG_DMA_CTL_ERROR;		/* all items are read-only */
	} else if (control & FW_CFG_DMA_CTL_READ) {
		uint8_t *dst = gpa_to_host(f->vm, target, length);

		if (dst)
			read_item(f, dst, length);
		else
			status = FW_CFG_DMA_CTL_ERROR;
	} else if (control & FW_CFG_DMA_CTL_SKIP) {
		f->offset += length;
	}
	__atomic_store_n(&d->control, htobe32(status), __ATOMIC_RELEASE);
}

static void fw_cfg_io(void *opaque, uint16_t port, uint8_t *data, unsigned len,
		      bool is_write)
{
	static const char signature[8] = "QEMU CFG";
	struct fw_cfg *f = opaque;
	unsigned off = port - FW_CFG_PORT;

	pthread_mutex_lock(&f->lock);
	if (off == 0 && is_write && len >= 2) {
		select_item(f, data[0] | data[1] << 8);
	} else if (off == 1 && !is_write) {
		read_item(f, data, len);
	} else if (off >= 4 && !is_write) {
		for (unsigned i = 0; i < len; i++)
			data[i] = off - 4 + i < 8 ? signature[off - 4 + i] : 0;
	} else if (off == 4 && is_write && len == 4) {
		f->dma_high = data[0] << 24 | data[1] << 16 | data[2] << 8 | data[3];
	} else if (off == 8 && is_write && len == 4) {
		uint32_t low = data[0] << 24 | data[1] << 16 | data[2] << 8 | data[3];
		run_dma(f, (uint64_t)f->dma_high << 32 | low);
		f->dma_high = 0;
	} else if (!is_write) {
		memset(data, 0, len);
	}
	pthread_mutex_unlock(&f->lock);
}

static void fw_cfg_init(struct vm *vm)
{
	static const char qemu[4] = "QEMU";

	if (vm->cfg->firmware.fd < 0)
		return;
	fw.vm = vm;
	fw.id = htole32(FW_CFG_VERSION | FW_CFG_VERSION_DMA);
	fw.ram_size = htole64(vm->ram_size);
	fw.ncpus = htole16(vm->ncpus);
	fw.nographic = htole16(1);
	fw_cfg_add_item(FW_CFG_SIGNATURE, qemu, 4);
	fw_cfg_add_item(FW_CFG_ID, &fw.id, 4);
	fw_cfg_add_item(FW_CFG_RAM_SIZE, &fw.ram_size, 8);
	fw_cfg_add_item(FW_CFG_NOGRAPHIC, &fw.nographic, 2);
	fw_cfg_add_item(FW_CFG_NB_CPUS, &fw.ncpus, 2);
	fw_cfg_add_item(FW_CFG_MAX_CPUS, &fw.ncpus, 2);
	fw_cfg_add_item(FW_CFG_FILE_DIR, &fw.dir, 4);

	/* The RAM map; SeaBIOS reserves its own areas within it. */
	fw.e820[0] = (struct e820_entry){ htole64(0), htole64(vm->low_size), htole32(1) };
	fw.e820[1] = (struct e820_entry){ htole64(RAM_HIGH_START),
					  htole64(vm->high_size), htole32(1) };
	fw_cfg_add_file("etc/e820", fw.e820,
			(vm->high_size ? 2 : 1) * sizeof(struct e820_entry));

	fw.enabled = true;
	io_register(vm, FW_CFG_PORT, FW_CFG_NPORTS, fw_cfg_io, &fw, "fw_cfg");
}

const struct device_type fw_cfg_device = { "fw_cfg", fw_cfg_init };
