/*
 * CMOS RAM and MC146818 real-time clock: index port 0x70 (bit 7 masks
 * NMI, ignored), data port 0x71.
 *
 * The clock reads the host's time in UTC, in BCD unless register B asks
 * for binary, 24-hour unless it asks for 12; setting it is ignored (the
 * guest cannot move the host's clock) and it raises no interrupts. The
 * rest is 128 bytes of RAM, filled as PC firmware expects:
 * base/extended memory sizes, RAM above 16 MiB and above 4 GiB in 64 KiB
 * units (0x34-0x35, 0x5b-0x5d) and the CPU count less one (0x5f), the
 * layout SeaBIOS reads.
 */
#include <pthread.h>
#include <stdbool.h>
#include <time.h>

#include "devices.h"
#include "util.h"
#include "vm.h"

#define INDEX_PORT 0x70

enum {
	SEC = 0x00, MIN = 0x02, HOUR = 0x04, WDAY = 0x06, MDAY = 0x07,
	MONTH = 0x08, YEAR = 0x09, REG_A = 0x0a, REG_B = 0x0b, REG_C = 0x0c,
	REG_D = 0x0d, CENTURY = 0x32,
};

#define B_24H		0x02
#define B_BINARY	0x04

static struct rtc {
	pthread_mutex_t lock;
	uint8_t index;
	uint8_t ram[128];
} rtc = { .lock = PTHREAD_MUTEX_INITIALIZER };

static uint8_t encode(const struct rtc *r, unsigned v)
{
	return r->ram[REG_B] & B_BINARY ? v : (v / 10) << 4 | v % 10;
}

static uint8_t clock_read(const struct rtc *r, unsigned reg)
{
	struct tm tm;
	time_t now = time(NULL);

	gmtime_r(&now, &tm);
	switch (reg) {
	case SEC:	return encode(r, tm.tm_sec);
	case MIN:	return encode(r, tm.tm_min);
	case HOUR:
		if (r->ram[REG_B] & B_24H)
			return encode(r, tm.tm_hour);
		/* 12-hour mode: 12, 1..11, with bit 7 for PM */
		return encode(r, tm.tm_hour % 12 ? tm.tm_hour % 12 : 12) |
		       (tm.tm_hour >= 12 ? 0x80 : 0);
	case WDAY:	return encode(r, tm.tm_wday + 1);
	case MDAY:	return encode(r, tm.tm_mday);
	case MONTH:	return encode(r, tm.tm_mon + 1);
	case YEAR:	return encode(r, tm.tm_year % 100);
	default:	return encode(r, 19 + tm.tm_year / 100);	/* CENTURY */
	}
}

static bool is_clock(unsigned reg)
{
	return reg == SEC || reg == MIN || reg == HOUR || reg == WDAY ||
	       reg == MDAY || reg == MONTH || reg == YEAR || reg == CENTURY;
}

static void rtc_io(void *opaque, uint16_t port, uint8_t *data, unsigned len,
		   bool is_write)
{
	struct rtc *r = opaque;

	pthread_mutex_lock(&r->lock);
	if (port == INDEX_PORT) {
		if (is_write)
			r->index = data[0] & 0x7f;
		else
			data[0] = r->index;
	} else if (is_write) {
		switch (r->index) {
		case REG_A:	/* update-in-progress is read-only */
			r->ram[REG_A] = data[0] & 0x7f;
			break;
		case REG_C: case REG_D:
			break;	/* read-only */
		default:
			if (!is_clock(r->index))
				r->ram[r->index] = data[0];
			break;
		}
	} else {
		if (is_clock(r->index))
			data[0] = clock_read(r, r->index);
		else
			data[0] = r->ram[r->index];
		if (r->index == REG_C)
			r->ram[REG_C] = 0;	/* reading C clears its flags */
	}
	for (unsigned i = 1; i < len; i++)
		if (!is_write)
			data[i] = 0xff;
	pthread_mutex_unlock(&r->lock);
}

static void put16(uint8_t *p, unsigned v)
{
	p[0] = v;
	p[1] = v >> 8;
}

static void rtc_init(struct vm *vm)
{
	uint8_t *ram = rtc.ram;
	uint64_t below = vm->low_size, above = vm->high_size, kb;

	ram[REG_A] = 0x26;		/* 32.768 kHz base, 1024 Hz rate */
	ram[REG_B] = B_24H;		/* BCD, 24-hour, no interrupts */
	ram[REG_D] = 0x80;		/* RAM and time valid */

	put16(ram + 0x15, 640);		/* base memory, KiB */
	kb = below > MiB(1) ? (below - MiB(1)) >> 10 : 0;
	if (kb > 0xffff)
		kb = 0xffff;
	put16(ram + 0x17, kb);		/* extended memory, KiB (max 64 MiB) */
	put16(ram + 0x30, kb);
	kb = below > MiB(16) ? (below - MiB(16)) >> 16 : 0;
	if (kb > 0xffff)
		kb = 0xffff;
	put16(ram + 0x34, kb);		/* RAM from 16 MiB to 4 GiB, 64 KiB units */
	above >>= 16;
	ram[0x5b] = above;		/* RAM above 4 GiB, 64 KiB units */
	ram[0x5c] = above >> 8;
	ram[0x5d] = above >> 16;
	ram[0x5f] = vm->ncpus - 1;
	ram[0x3d] = 0x02;		/* boot order: hard disk first */

	unsigned sum = 0;		/* checksum of 0x10-0x2d, at 0x2e */
	for (unsigned i = 0x10; i <= 0x2d; i++)
		sum += ram[i];
	ram[0x2e] = sum >> 8;
	ram[0x2f] = sum;

	io_register(vm, INDEX_PORT, 2, rtc_io, &rtc, "CMOS/RTC");
}

const struct device_type rtc_device = { "CMOS/RTC", rtc_init };
