/* models: pit.c */
// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host unit tests of the 8254 PIT model (kernel/irq/x86/pit.c) with a fake
 * clock. "8254" below is the Intel 82C54 datasheet (order 231244); the
 * expected times come from an independent 128-bit oracle, not from the
 * model's own split arithmetic.
 */
#include <string.h>
#include <errno.h>

#include "pit.h"
#include "unit-irq.h"

#define F	1193182ull
#define T0	1000000007ull	/* an odd boot time, so nothing is aligned */

/* First ns (relative) at which k ticks have elapsed: ceil(k * 1e9 / F). */
static unsigned long long tick_ns(unsigned long long k)
{
	unsigned __int128 n = (unsigned __int128)k * 1000000000ull;

	return (unsigned long long)((n + F - 1) / F);
}

static void wr(struct vmrun_pit *p, unsigned int port, unsigned int v,
	       unsigned long long t)
{
	int rc = vmrun_pit_pio_write(p, port, v, t);

	if (rc)
		printf("# write 0x%x to port 0x%x failed: %d\n", v, port, rc);
}

static unsigned int rd(struct vmrun_pit *p, unsigned int port,
		       unsigned long long t)
{
	u8 v = 0x5a;
	int rc = vmrun_pit_pio_read(p, port, &v, t);

	if (rc)
		printf("# read of port 0x%x failed: %d\n", port, rc);
	return v;
}

/* Counter latch command, then LSB and MSB (channel in LSB/MSB mode). */
static unsigned int latch16(struct vmrun_pit *p, int ch, unsigned long long t)
{
	unsigned int lo, hi;

	wr(p, 0x43, ch << 6, t);
	lo = rd(p, 0x40 + ch, t);
	hi = rd(p, 0x40 + ch, t);
	return lo | hi << 8;
}

/* Read-back status of one channel. */
static unsigned int status_of(struct vmrun_pit *p, int ch, unsigned long long t)
{
	wr(p, 0x43, 0xe0 | (2 << ch), t);
	return rd(p, 0x40 + ch, t);
}

static void program(struct vmrun_pit *p, int ch, int mode, unsigned int count,
		    unsigned long long t)
{
	wr(p, 0x43, ch << 6 | 0x30 | mode << 1, t);
	wr(p, 0x40 + ch, count & 0xff, t);
	wr(p, 0x40 + ch, (count >> 8) & 0xff, t);
}

static int out2(struct vmrun_pit *p, unsigned long long t)
{
	return !!(rd(p, 0x61, t) & 0x20);
}

static void test_ports(void)
{
	static const u16 bad[] = { 0x3f, 0x44, 0x47, 0x60, 0x62, 0x20, 0xa0 };
	struct vmrun_pit p;
	unsigned int i;
	u8 v;

	vmrun_pit_init(&p, T0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = 0x5a;
		CHECK_EQ(vmrun_pit_pio_read(&p, bad[i], &v, T0), -EINVAL,
			 "read of port 0x%x (not a PIT port) is -EINVAL", bad[i]);
		CHECK_EQ(v, 0x5a, "failed read of 0x%x leaves *val alone", bad[i]);
		CHECK_EQ(vmrun_pit_pio_write(&p, bad[i], 0, T0), -EINVAL,
			 "write to port 0x%x (not a PIT port) is -EINVAL", bad[i]);
	}
	CHECK_EQ(rd(&p, 0x43, T0), 0xff,
		 "8254: the control word register cannot be read (bus floats)");
	CHECK_EQ(vmrun_pit_irq_deadline(&p), 0,
		 "after reset channel 0 is unprogrammed: no IRQ0 deadline");
}

static void test_reset_state(void)
{
	struct kvm_pit_state2 s;
	struct vmrun_pit p;
	int i;

	vmrun_pit_init(&p, T0);
	vmrun_pit_get_state(&p, &s, T0 + 5000);
	for (i = 0; i < 3; i++) {
		CHECK_EQ(s.channels[i].mode, 0xff,
			 "KVM reset: channel %d mode 0xff (never programmed)", i);
		CHECK_EQ(s.channels[i].count, 0x10000,
			 "KVM reset: channel %d count 0x10000 (0 loaded)", i);
		CHECK_EQ(s.channels[i].gate, i != 2,
			 "KVM reset: gate of channel %d %s", i,
			 i == 2 ? "low (port 0x61 bit 0 = 0)" : "tied high");
		CHECK_EQ(s.channels[i].count_load_time, T0,
			 "KVM reset: channel %d count_load_time is reset time", i);
	}
	CHECK_EQ(s.flags, 0, "KVM reset: flags 0");
	CHECK_EQ(rd(&p, 0x61, T0) & 0x23, 0,
		 "port 0x61 after reset: gate 2, speaker data and OUT2 low");
}

/*
 * Linux's i8253 clockevent (periodic): 0x34 = channel 0, LSB then MSB,
 * mode 2, binary; then LATCH = (1193182 + HZ/2) / HZ.
 */
static void test_linux_periodic(void)
{
	const unsigned int hz[] = { 100, 250, 300, 1000 };
	unsigned int i, n, st;
	struct vmrun_pit p;
	unsigned long long dl, t;

	for (i = 0; i < 4; i++) {
		n = (1193182 + hz[i] / 2) / hz[i];
		vmrun_pit_init(&p, 0);
		program(&p, 0, 2, n, T0);
		dl = vmrun_pit_irq_deadline(&p);
		CHECK_EQ(dl, T0 + tick_ns(n),
			 "HZ=%u: mode 2 count %u: first IRQ0 edge after N ticks",
			 hz[i], n);
		CHECK_EQ(vmrun_pit_irq_fired(&p, dl - 1), 0,
			 "HZ=%u: a timer 1 ns early reports no edge", hz[i]);
		CHECK_EQ(vmrun_pit_irq_deadline(&p), dl,
			 "HZ=%u: an early timer leaves the deadline", hz[i]);
		CHECK_EQ(vmrun_pit_irq_fired(&p, dl), 1,
			 "HZ=%u: timer at the deadline reports one edge", hz[i]);
		CHECK_EQ(vmrun_pit_irq_deadline(&p), T0 + tick_ns(2 * n),
			 "HZ=%u: mode 2 is periodic: next edge at 2N", hz[i]);
	}

	/* HZ=1000 counter values and OUT through the period. */
	vmrun_pit_init(&p, 0);
	program(&p, 0, 2, 1193, T0);
	CHECK_EQ(latch16(&p, 0, T0), 1193,
		 "8254 mode 2: count N right after it is loaded");
	CHECK_EQ(latch16(&p, 0, T0 + tick_ns(500)), 693,
		 "8254 mode 2: count decrements once per tick (N - 500)");
	CHECK_EQ(latch16(&p, 0, T0 + tick_ns(500) - 1), 694,
		 "tick boundary is exact: 1 ns before tick 500 reads N - 499");
	CHECK_EQ(latch16(&p, 0, T0 + tick_ns(1193 + 3)), 1190,
		 "8254 mode 2: reloads N at terminal count, counts on");
	st = status_of(&p, 0, T0 + tick_ns(1192));
	CHECK_EQ(st, 0x34,
		 "8254 mode 2: OUT low while the count is 1; status 0x34");
	t = T0 + tick_ns(1193);
	st = status_of(&p, 0, t);
	CHECK_EQ(st, 0xb4,
		 "8254 mode 2: OUT back high at reload; status OUT|rw3|mode2");
	CHECK_EQ(status_of(&p, 0, T0 + tick_ns(100)) & 0x40, 0,
		 "8254 status: NULL COUNT clear once the count is loaded");
}

/* Linux pit_calibrate_tsc() / SeaBIOS timer setup on channel 2. */
static void test_linux_calibration(void)
{
	const unsigned int latch = 1193182 / (1000 / 50);
	unsigned long long t, first = 0;
	struct vmrun_pit p;
	unsigned int v, msb, prev;
	int i;

	vmrun_pit_init(&p, 0);
	t = T0;
	/* Gate high, speaker off. */
	wr(&p, 0x61, (rd(&p, 0x61, t) & ~0x02) | 0x01, t);
	CHECK_EQ(rd(&p, 0x61, t) & 0x03, 0x01,
		 "port 0x61 bit 0 (gate 2) reads back as written");
	wr(&p, 0x43, 0xb0, t);
	CHECK_EQ(status_of(&p, 2, t) & 0xc0, 0x40,
		 "8254 mode 0: control word sets OUT low and NULL COUNT");
	wr(&p, 0x42, latch & 0xff, t);
	wr(&p, 0x42, latch >> 8, t);
	CHECK_EQ(out2(&p, t), 0, "8254 mode 0: OUT low after count written");
	CHECK_EQ(vmrun_pit_irq_deadline(&p), 0,
		 "channel 2 counting does not raise IRQ0");

	/* Poll bit 5 in 997 ns steps like a busy loop would. */
	for (i = 0; i < 200000; i++, t += 997) {
		if (out2(&p, t)) {
			first = t;
			break;
		}
	}
	CHECK(first >= T0 + tick_ns(latch) && first < T0 + tick_ns(latch) + 997,
	      "8254 mode 0: OUT2 (port 0x61 bit 5) rises at terminal count, "
	      "%u ticks = 50 ms after the count write", latch);
	CHECK_EQ(out2(&p, T0 + tick_ns(latch) - 1), 0,
		 "OUT2 still low 1 ns before terminal count");
	CHECK_EQ(out2(&p, T0 + tick_ns(latch)), 1,
		 "OUT2 high exactly at terminal count");
	CHECK_EQ(out2(&p, T0 + tick_ns(latch + 70000)), 1,
		 "8254 mode 0: OUT stays high after terminal count (wrap)");

	/* quick_pit_calibrate(): mode 0, count 0xffff, unlatched reads. */
	vmrun_pit_init(&p, 0);
	wr(&p, 0x61, 0x01, T0);
	program(&p, 2, 0, 0xffff, T0);
	prev = 0x100;
	for (i = 0; i < 60; i++) {
		t = T0 + tick_ns(i * 1000 + 17) + 100;
		v = rd(&p, 0x42, t);
		msb = rd(&p, 0x42, t);
		CHECK_EQ(v | msb << 8, 0xffff - (i * 1000 + 17),
			 "unlatched LSB then MSB read at tick %d", i * 1000 + 17);
		CHECK(msb <= prev, "MSB never goes up while counting down");
		prev = msb;
	}
}

/* SeaBIOS: channel 0 mode 2 with count 0 = 65536: 18.2 Hz. */
static void test_seabios(void)
{
	struct vmrun_pit p;
	unsigned long long dl;

	vmrun_pit_init(&p, 0);
	wr(&p, 0x43, 0x34, T0);
	wr(&p, 0x40, 0, T0);
	wr(&p, 0x40, 0, T0);
	dl = vmrun_pit_irq_deadline(&p);
	/* 65536 / 1193182 s = 54925401.15 ns: the edge's first ns is ...402 */
	CHECK_EQ(dl - T0, 54925402,
		 "count 0 is 65536: first IRQ0 after 54.925 ms (18.2 Hz)");
	CHECK_EQ(latch16(&p, 0, T0), 0,
		 "a loaded count of 65536 reads back as 0x0000");
	CHECK_EQ(latch16(&p, 0, T0 + tick_ns(1)), 0xffff,
		 "count 65536 then 65535 (0xffff) one tick later");
	CHECK_EQ(vmrun_pit_irq_fired(&p, T0 + tick_ns(10 * 65536) + 5), 10,
		 "a timer 10 periods late reports 10 edges");
	CHECK_EQ(vmrun_pit_irq_deadline(&p), T0 + tick_ns(11 * 65536),
		 "and moves the deadline to the 11th edge");
}

/* 10^6 periods of IRQ0: every deadline exact, no drift. */
static void test_no_drift(void)
{
	static const unsigned int counts[] = { 1193, 65536, 11932 };
	unsigned long long dl, k, bad, edges;
	struct vmrun_pit p;
	unsigned int i;

	for (i = 0; i < 3; i++) {
		vmrun_pit_init(&p, 0);
		program(&p, 0, i == 2 ? 3 : 2, counts[i], T0);
		bad = 0;
		edges = 0;
		for (k = 1; k <= 1000000; k++) {
			dl = vmrun_pit_irq_deadline(&p);
			if (dl != T0 + tick_ns(k * counts[i]))
				bad++;
			edges += vmrun_pit_irq_fired(&p, dl);
		}
		CHECK_EQ(bad, 0,
			 "mode %d count %u: 10^6 deadlines all at load + "
			 "ceil(k*N*1e9/F), none drifted", i == 2 ? 3 : 2,
			 counts[i]);
		CHECK_EQ(edges, 1000000, "count %u: 10^6 edges reported",
			 counts[i]);
		CHECK_EQ(latch16(&p, 0, T0 + tick_ns(1000000ull * counts[i] + 7)),
			 i == 2 ? (counts[i] - 14) & 0xffff :
			 (counts[i] - 7) & 0xffff,
			 "count %u: counter phase exact after 10^6 periods",
			 counts[i]);
	}
}

/* Counter values at arbitrary, unaligned times (mode 2, N = 1193). */
static void test_arbitrary_times(void)
{
	static const unsigned long long dt[] = {
		0, 1, 837, 838, 839, 1676, 1677, 999999, 1000000000,
		1234567891, 3600000000000ull, 86400000000000ull + 123,
		31536000000000000ull,
	};
	struct vmrun_pit p;
	unsigned long long d;
	unsigned int i;

	vmrun_pit_init(&p, 0);
	program(&p, 0, 2, 1193, T0);
	for (i = 0; i < sizeof(dt) / sizeof(dt[0]); i++) {
		d = (unsigned long long)((unsigned __int128)dt[i] * F /
					 1000000000ull);
		CHECK_EQ(latch16(&p, 0, T0 + dt[i]), 1193 - d % 1193,
			 "mode 2 count %llu ns after load = N - (ticks mod N), "
			 "ticks = floor(ns*F/1e9) = %llu", dt[i], d);
	}
}

static void test_latch(void)
{
	struct vmrun_pit p;
	unsigned long long t1 = T0 + tick_ns(100), t2 = T0 + tick_ns(300);
	unsigned int lo, hi, st;

	vmrun_pit_init(&p, 0);
	program(&p, 0, 2, 1000, T0);
	wr(&p, 0x43, 0x00, t1);
	wr(&p, 0x43, 0x00, t2);
	lo = rd(&p, 0x40, t2 + 5000);
	hi = rd(&p, 0x40, t2 + 9000);
	CHECK_EQ(lo | hi << 8, 900,
		 "8254: a second counter latch before the first is read is "
		 "ignored; reads return the first latch (N - 100)");
	CHECK_EQ(latch16(&p, 0, t2), 700,
		 "once read, a new latch captures the new count");

	/* Latched count survives counting; reads may be far apart. */
	wr(&p, 0x43, 0x00, t1);
	lo = rd(&p, 0x40, t1);
	hi = rd(&p, 0x40, t2);
	CHECK_EQ(lo | hi << 8, 900,
		 "8254: the latch holds until both bytes are read");

	/* Read-back of status twice: the second is ignored until read. */
	st = status_of(&p, 0, T0 + tick_ns(999));
	CHECK_EQ(st & 0x80, 0, "mode 2 OUT low at count 1 (read-back status)");
	wr(&p, 0x43, 0xe2, T0 + tick_ns(999));
	wr(&p, 0x43, 0xe2, T0 + tick_ns(1000));
	CHECK_EQ(rd(&p, 0x40, T0 + tick_ns(1000)), 0x34,
		 "8254: second status latch ignored: first one (OUT low) read");

	/* Read-back latching count and status: status comes first. */
	wr(&p, 0x43, 0xc2, t1);
	CHECK_EQ(rd(&p, 0x40, t2), 0xb4,
		 "8254 read-back count+status: status byte first");
	lo = rd(&p, 0x40, t2);
	hi = rd(&p, 0x40, t2);
	CHECK_EQ(lo | hi << 8, 900,
		 "8254 read-back count+status: then the count latched at the "
		 "command");

	/* Count latched first, status later: status still first. */
	wr(&p, 0x43, 0x00, t1);
	wr(&p, 0x43, 0xe2, t2);
	CHECK_EQ(rd(&p, 0x40, t2), 0xb4,
		 "8254: status read before an earlier latched count");
	lo = rd(&p, 0x40, t2);
	hi = rd(&p, 0x40, t2);
	CHECK_EQ(lo | hi << 8, 900, "8254: then the earlier latched count");

	/* Read-back of all three channels at once. */
	vmrun_pit_init(&p, 0);
	wr(&p, 0x61, 1, T0);
	program(&p, 0, 2, 1000, T0);
	program(&p, 1, 2, 18, T0);
	program(&p, 2, 3, 0x500, T0);
	wr(&p, 0x43, 0xde, T0 + tick_ns(5));
	CHECK_EQ(latch16(&p, 0, T0 + tick_ns(9)), 995,
		 "read-back 0xde latched channel 0's count (a counter latch "
		 "now is ignored)");
	lo = rd(&p, 0x41, T0 + tick_ns(9));
	hi = rd(&p, 0x41, T0 + tick_ns(9));
	CHECK_EQ(lo | hi << 8, 13, "read-back 0xde latched channel 1's count");
	lo = rd(&p, 0x42, T0 + tick_ns(9));
	hi = rd(&p, 0x42, T0 + tick_ns(9));
	CHECK_EQ(lo | hi << 8, 0x500 - 10,
		 "read-back 0xde latched channel 2's count (mode 3 counts by "
		 "two)");

	/* A control word resets the channel's logic, pending latches too. */
	vmrun_pit_init(&p, 0);
	program(&p, 0, 2, 1000, T0);
	wr(&p, 0x43, 0xc2, t1);		/* count and status of channel 0 */
	program(&p, 0, 2, 0x0302, t2);
	lo = rd(&p, 0x40, t2);
	hi = rd(&p, 0x40, t2);
	CHECK_EQ(lo | hi << 8, 0x0302,
		 "8254: a control word drops pending latches (reads the new "
		 "count, not the status or the old count)");

	/* LSB-only and MSB-only access. */
	vmrun_pit_init(&p, 0);
	wr(&p, 0x43, 0x14, T0);	/* ch0, LSB only, mode 2 */
	wr(&p, 0x40, 200, T0);
	CHECK_EQ(vmrun_pit_irq_deadline(&p), T0 + tick_ns(200),
		 "LSB-only access: one byte is the whole count");
	wr(&p, 0x43, 0x00, T0 + tick_ns(50));
	CHECK_EQ(rd(&p, 0x40, T0 + tick_ns(80)), 150,
		 "LSB-only latch: one byte read returns the latched LSB");
	CHECK_EQ(rd(&p, 0x40, T0 + tick_ns(80)), 120,
		 "LSB-only latch is consumed by one read");
	wr(&p, 0x43, 0x24, T0);	/* ch0, MSB only, mode 2 */
	wr(&p, 0x40, 0x02, T0);
	CHECK_EQ(vmrun_pit_irq_deadline(&p), T0 + tick_ns(0x200),
		 "MSB-only access: the byte is the high half, LSB 0");
	CHECK_EQ(rd(&p, 0x40, T0 + tick_ns(0x100)), 0x01,
		 "MSB-only read returns the high byte of the count");

	/* Read and write flip-flops are independent. */
	vmrun_pit_init(&p, 0);
	program(&p, 0, 2, 0x1234, T0);
	CHECK_EQ(rd(&p, 0x40, T0), 0x34, "read flip-flop: LSB first");
	wr(&p, 0x40, 0x00, T0);	/* LSB of a new count */
	CHECK_EQ(rd(&p, 0x40, T0), 0x12,
		 "a count byte written in between does not move the read "
		 "flip-flop: MSB next");
	wr(&p, 0x40, 0x20, T0);
	CHECK_EQ(vmrun_pit_irq_deadline(&p), T0 + tick_ns(0x2000),
		 "reads in between do not move the write flip-flop: 0x2000 "
		 "loaded from LSB 0x00 then MSB 0x20");
	wr(&p, 0x43, 0x34, T0);
	wr(&p, 0x40, 0x10, T0);
	rd(&p, 0x40, T0);
	wr(&p, 0x43, 0x34, T0);
	wr(&p, 0x40, 0x10, T0);
	wr(&p, 0x40, 0x00, T0);
	CHECK_EQ(vmrun_pit_irq_deadline(&p), T0 + tick_ns(0x10),
		 "a control word resets the write flip-flop to the LSB");
	CHECK_EQ(rd(&p, 0x40, T0), 0x10,
		 "a control word resets the read flip-flop to the LSB");
}

static void test_bcd(void)
{
	struct vmrun_pit p;

	vmrun_pit_init(&p, 0);
	wr(&p, 0x43, 0x31, T0);	/* ch0, LSB/MSB, mode 0, BCD */
	wr(&p, 0x40, 0x00, T0);
	wr(&p, 0x40, 0x10, T0);	/* 1000 decimal */
	CHECK_EQ(vmrun_pit_irq_deadline(&p), T0 + tick_ns(1000),
		 "BCD count 0x1000 is 1000 ticks, not 4096");
	CHECK_EQ(latch16(&p, 0, T0 + tick_ns(1)), 0x0999,
		 "BCD counts down in decimal digits: 1000 -> 0999");
	CHECK_EQ(latch16(&p, 0, T0 + tick_ns(1001)), 0x9999,
		 "8254 mode 0 BCD wraps past 0 to 9999");
	CHECK_EQ(status_of(&p, 0, T0) & 0x01, 1, "status bit 0 reports BCD");

	wr(&p, 0x43, 0x35, T0);	/* mode 2 BCD, count 0 = 10000 */
	wr(&p, 0x40, 0, T0);
	wr(&p, 0x40, 0, T0);
	CHECK_EQ(vmrun_pit_irq_deadline(&p), T0 + tick_ns(10000),
		 "8254: BCD count 0 is 10^4");
	CHECK_EQ(latch16(&p, 0, T0 + tick_ns(1)), 0x9999,
		 "BCD 10000 then 9999 after one tick");
	CHECK_EQ(latch16(&p, 0, T0 + tick_ns(10000 + 4321)), 0x5679,
		 "BCD mode 2 reloads 10000: 10000 - 4321 = 5679");
}

/* Mode 3 square wave, on channel 2 so OUT reads on port 0x61 bit 5. */
static void test_mode3(void)
{
	static const unsigned int ns[] = { 5, 6, 7, 2, 3, 1193, 1194 };
	unsigned int i, k, high, bad_out, bad_ce, ce, want, n, ph;
	struct vmrun_pit p;
	unsigned long long t;

	for (i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		n = ns[i];
		vmrun_pit_init(&p, 0);
		wr(&p, 0x61, 1, T0);
		program(&p, 2, 3, n, T0);
		high = 0;
		bad_out = 0;
		bad_ce = 0;
		for (k = 0; k < 3 * n; k++) {
			t = T0 + tick_ns(k) + 1;
			ph = k % n;
			if (out2(&p, t)) {
				high++;
				if (ph >= (n + 1) / 2)
					bad_out++;
			} else if (ph < (n + 1) / 2) {
				bad_out++;
			}
			/* 8254: even N counts N, N-2, ..., 2 per half;
			 * odd N: N-1, ..., 0 high, then N-1, ..., 2 low.
			 */
			if (n & 1)
				want = ph < (n + 1) / 2 ? n - 1 - 2 * ph :
				       n - 1 - 2 * (ph - (n + 1) / 2);
			else
				want = n - 2 * (ph % (n / 2));
			ce = latch16(&p, 2, t);
			if (ce != want)
				bad_ce++;
		}
		CHECK_EQ(high, 3 * ((n + 1) / 2),
			 "8254 mode 3 N=%u: OUT high (N+1)/2 of every N ticks",
			 n);
		CHECK_EQ(bad_out, 0,
			 "8254 mode 3 N=%u: high half first, then low", n);
		CHECK_EQ(bad_ce, 0,
			 "8254 mode 3 N=%u: counts down by two per tick", n);
	}

	/* Channel 0 mode 3: IRQ0 once per period, at the low->high edge. */
	vmrun_pit_init(&p, 0);
	program(&p, 0, 3, 1001, T0);
	CHECK_EQ(vmrun_pit_irq_deadline(&p), T0 + tick_ns(1001),
		 "mode 3: rising edge at the end of the period");
	CHECK_EQ(status_of(&p, 0, T0 + tick_ns(500)) & 0x80, 0x80,
		 "mode 3 N=1001: still high at tick 500 (high for 501)");
	CHECK_EQ(status_of(&p, 0, T0 + tick_ns(501)) & 0x80, 0,
		 "mode 3 N=1001: low from tick 501");
}

static void test_mode0(void)
{
	struct vmrun_pit p;
	unsigned long long t;

	vmrun_pit_init(&p, 0);
	program(&p, 0, 0, 100, T0);
	CHECK_EQ(status_of(&p, 0, T0 + tick_ns(99)) & 0x80, 0,
		 "8254 mode 0: OUT low while counting");
	CHECK_EQ(vmrun_pit_irq_deadline(&p), T0 + tick_ns(100),
		 "8254 mode 0: IRQ0 edge at terminal count");
	CHECK_EQ(vmrun_pit_irq_fired(&p, T0 + tick_ns(100)), 1,
		 "mode 0: one edge at terminal count");
	CHECK_EQ(vmrun_pit_irq_deadline(&p), 0,
		 "8254 mode 0 is one-shot: no further edge");
	CHECK_EQ(vmrun_pit_irq_fired(&p, T0 + tick_ns(70000)), 0,
		 "mode 0: a stale timer reports nothing after the one edge");
	CHECK_EQ(latch16(&p, 0, T0 + tick_ns(105)), 0x10000 - 5,
		 "8254 mode 0: the counter wraps past 0 and counts on");
	CHECK_EQ(status_of(&p, 0, T0 + tick_ns(70000)) & 0x80, 0x80,
		 "8254 mode 0: OUT stays high after terminal count");

	/* Reload: writing a new count restarts the one-shot. */
	t = T0 + tick_ns(200);
	wr(&p, 0x40, 50, t);
	CHECK_EQ(status_of(&p, 0, t) & 0xc0, 0x40,
		 "8254 mode 0: writing the first byte stops counting, OUT "
		 "low, NULL COUNT set");
	CHECK_EQ(vmrun_pit_irq_deadline(&p), 0,
		 "no IRQ0 while the count is half written");
	wr(&p, 0x40, 0, t + 3000);
	CHECK_EQ(vmrun_pit_irq_deadline(&p), t + 3000 + tick_ns(50),
		 "8254 mode 0 reload: edge N ticks after the second byte");
	CHECK_EQ(vmrun_pit_irq_fired(&p, t + 3000 + tick_ns(50)), 1,
		 "mode 0 reload: the new terminal count fires once");

	/* Linux clockevent shutdown: 0x30 then 0, 0. */
	vmrun_pit_init(&p, 0);
	program(&p, 0, 2, 1193, T0);
	t = T0 + tick_ns(5000);
	wr(&p, 0x43, 0x30, t);
	CHECK_EQ(vmrun_pit_irq_deadline(&p), 0,
		 "8254: a control word stops the periodic IRQ0 at once");
	CHECK_EQ(status_of(&p, 0, t) & 0xc0, 0x40,
		 "8254 mode 0 control word: OUT low, NULL COUNT");
	wr(&p, 0x40, 0, t);
	wr(&p, 0x40, 0, t);
	CHECK_EQ(vmrun_pit_irq_deadline(&p), t + tick_ns(65536),
		 "mode 0 count 0: one edge after 65536 ticks");
}

static void test_mode4(void)
{
	struct vmrun_pit p;

	vmrun_pit_init(&p, 0);
	program(&p, 0, 4, 100, T0);	/* Linux oneshot uses 0x38 */
	CHECK_EQ(status_of(&p, 0, T0 + tick_ns(99)) & 0x80, 0x80,
		 "8254 mode 4: OUT high while counting");
	CHECK_EQ(status_of(&p, 0, T0 + tick_ns(100)) & 0x80, 0,
		 "8254 mode 4: OUT low for the tick at terminal count");
	CHECK_EQ(status_of(&p, 0, T0 + tick_ns(101)) & 0x80, 0x80,
		 "8254 mode 4: OUT high again after one tick");
	CHECK_EQ(vmrun_pit_irq_deadline(&p), T0 + tick_ns(101),
		 "mode 4: IRQ0 rising edge at the end of the strobe");
	CHECK_EQ(vmrun_pit_irq_fired(&p, T0 + tick_ns(101)), 1,
		 "mode 4: one edge");
	CHECK_EQ(vmrun_pit_irq_deadline(&p), 0,
		 "8254 mode 4 strobes once per count written");

	/* Mode 6 and 7 alias 2 and 3. */
	wr(&p, 0x43, 0x3c, T0);
	CHECK_EQ(status_of(&p, 0, T0) & 0x0e, 2 << 1,
		 "8254: mode bits 110 are mode 2");
	wr(&p, 0x43, 0x3e, T0);
	CHECK_EQ(status_of(&p, 0, T0) & 0x0e, 3 << 1,
		 "8254: mode bits 111 are mode 3");
	wr(&p, 0x40, 10, T0);
	wr(&p, 0x40, 0, T0);
	CHECK_EQ(vmrun_pit_irq_deadline(&p), T0 + tick_ns(10),
		 "mode 7 counts as mode 3 (periodic)");
}

/* Modes 1 and 5 are triggered by a rising gate: channel 2 only. */
static void test_gate_modes(void)
{
	struct vmrun_pit p;
	unsigned long long t1, t2;

	vmrun_pit_init(&p, 0);
	program(&p, 2, 1, 10, T0);
	CHECK_EQ(out2(&p, T0 + tick_ns(50)), 1,
		 "8254 mode 1: OUT high until triggered");
	CHECK_EQ(status_of(&p, 2, T0) & 0x40, 0x40,
		 "8254 mode 1: NULL COUNT until the gate loads the count");
	t1 = T0 + 123456;
	wr(&p, 0x61, 1, t1);
	CHECK_EQ(status_of(&p, 2, t1) & 0x40, 0,
		 "8254 mode 1: trigger loads the count, NULL COUNT clear");
	CHECK_EQ(out2(&p, t1), 0, "8254 mode 1: OUT low after the trigger");
	CHECK_EQ(latch16(&p, 2, t1 + tick_ns(4)), 6,
		 "8254 mode 1: counts down from the trigger");
	CHECK_EQ(out2(&p, t1 + tick_ns(9)), 0, "mode 1: low for N ticks");
	CHECK_EQ(out2(&p, t1 + tick_ns(10)), 1, "mode 1: high at count 0");
	/* Gate low then high again mid-count retriggers. */
	t2 = t1 + tick_ns(5);
	wr(&p, 0x61, 0, t2 - 100);
	CHECK_EQ(out2(&p, t2 - 50), 0, "8254 mode 1: gate level no effect");
	wr(&p, 0x61, 1, t2);
	CHECK_EQ(out2(&p, t1 + tick_ns(12)), 0,
		 "8254 mode 1 is retriggerable: pulse restarts at the edge");
	CHECK_EQ(out2(&p, t2 + tick_ns(10)), 1,
		 "mode 1 retriggered: ends N ticks after the second edge");

	vmrun_pit_init(&p, 0);
	program(&p, 2, 5, 10, T0);
	CHECK_EQ(out2(&p, T0 + tick_ns(10)), 1,
		 "8254 mode 5: no strobe without a trigger");
	t1 = T0 + tick_ns(20) + 999;
	wr(&p, 0x61, 1, t1);
	CHECK_EQ(out2(&p, t1 + tick_ns(9)), 1, "mode 5: OUT high counting");
	CHECK_EQ(out2(&p, t1 + tick_ns(10)), 0,
		 "8254 mode 5: one-tick low strobe N ticks after the trigger");
	CHECK_EQ(out2(&p, t1 + tick_ns(11)), 1, "mode 5: high after strobe");

	/* Channel 0 has its gate tied high: mode 1 never triggers. */
	program(&p, 0, 1, 10, T0);
	CHECK_EQ(vmrun_pit_irq_deadline(&p), 0,
		 "mode 1 on channel 0 (gate tied high): no IRQ0");

	/* Mode 2 and gate: low forces OUT high, rising edge reloads. */
	vmrun_pit_init(&p, 0);
	wr(&p, 0x61, 1, T0);
	program(&p, 2, 2, 10, T0);
	CHECK_EQ(out2(&p, T0 + tick_ns(9)), 0, "mode 2: low at count 1");
	wr(&p, 0x61, 0, T0 + tick_ns(9));
	CHECK_EQ(out2(&p, T0 + tick_ns(9)), 1,
		 "8254 mode 2: gate low sets OUT high at once");
	CHECK_EQ(latch16(&p, 2, T0 + tick_ns(30)), 1,
		 "8254 mode 2: gate low stops counting");
	t1 = T0 + tick_ns(40) + 17;
	wr(&p, 0x61, 1, t1);
	CHECK_EQ(latch16(&p, 2, t1 + tick_ns(3)), 7,
		 "8254 mode 2: rising gate reloads N and restarts");

	/* Mode 0 and gate: low suspends, high resumes. */
	vmrun_pit_init(&p, 0);
	wr(&p, 0x61, 1, T0);
	program(&p, 2, 0, 100, T0);
	wr(&p, 0x61, 0, T0 + tick_ns(40) + 3);
	CHECK_EQ(latch16(&p, 2, T0 + tick_ns(1000)), 60,
		 "8254 mode 0: gate low suspends counting");
	t1 = T0 + tick_ns(5000) + 11;
	wr(&p, 0x61, 1, t1);
	CHECK_EQ(out2(&p, t1 + tick_ns(59)), 0,
		 "mode 0 resumed: still low 59 ticks after resume");
	CHECK_EQ(out2(&p, t1 + tick_ns(61)), 1,
		 "mode 0 resumed: terminal count after the remaining 60");

	/* Count written while gate is low waits for the gate (mode 0). */
	vmrun_pit_init(&p, 0);
	program(&p, 2, 0, 100, T0);
	CHECK_EQ(latch16(&p, 2, T0 + tick_ns(500)), 100,
		 "8254 mode 0: no counting while the gate is low");
	wr(&p, 0x61, 1, T0 + tick_ns(500));
	CHECK_EQ(latch16(&p, 2, T0 + tick_ns(500) + tick_ns(30)), 70,
		 "8254 mode 0: counting starts when the gate goes high");
}

static void test_speaker_port(void)
{
	struct kvm_pit_state2 s;
	struct vmrun_pit p;

	vmrun_pit_init(&p, 0);
	wr(&p, 0x61, 0x03, T0);
	CHECK_EQ(rd(&p, 0x61, 0) & 0x03, 0x03,
		 "port 0x61: gate 2 and speaker data read back");
	vmrun_pit_get_state(&p, &s, T0);
	CHECK_EQ(s.flags, KVM_PIT_FLAGS_SPEAKER_DATA_ON,
		 "speaker data bit is KVM_PIT_FLAGS_SPEAKER_DATA_ON");
	wr(&p, 0x61, 0x01, T0);
	CHECK_EQ(rd(&p, 0x61, 0) & 0x02, 0, "speaker data cleared");
	CHECK_EQ(rd(&p, 0x61, 0) & 0x10, 0,
		 "refresh toggle (bit 4) low at 0 ns");
	CHECK_EQ(rd(&p, 0x61, 16384) & 0x10, 0x10,
		 "refresh toggle flips every 2^14 ns, as KVM");
	CHECK_EQ(rd(&p, 0x61, 32768) & 0x10, 0, "and back");
}

static void test_hpet_legacy(void)
{
	struct kvm_pit_state2 s;
	struct vmrun_pit p;
	unsigned long long t = T0 + tick_ns(5 * 1193) + 100;

	vmrun_pit_init(&p, 0);
	program(&p, 0, 2, 1193, T0);
	vmrun_pit_get_state(&p, &s, t);
	s.flags |= KVM_PIT_FLAGS_HPET_LEGACY;
	vmrun_pit_set_state(&p, &s, t);
	CHECK_EQ(vmrun_pit_irq_deadline(&p), 0,
		 "KVM_PIT_FLAGS_HPET_LEGACY: no IRQ0 deadline");
	CHECK_EQ(vmrun_pit_irq_fired(&p, t + tick_ns(10 * 1193)), 0,
		 "HPET_LEGACY: a timer reports no edges");
	CHECK_EQ(latch16(&p, 0, t), 1193,
		 "HPET_LEGACY: channel 0 still counts (read at 5 N)");
	CHECK_EQ(status_of(&p, 0, T0 + tick_ns(7 * 1193 - 1)) & 0x80, 0,
		 "HPET_LEGACY: OUT still toggles");
	t = T0 + tick_ns(20 * 1193) + 5;
	vmrun_pit_get_state(&p, &s, t);
	CHECK_EQ(s.flags, KVM_PIT_FLAGS_HPET_LEGACY, "get reports the flag");
	s.flags = 0;
	vmrun_pit_set_state(&p, &s, t);
	CHECK_EQ(vmrun_pit_irq_deadline(&p), T0 + tick_ns(21 * 1193),
		 "leaving HPET_LEGACY: IRQ0 resumes at the next edge, in "
		 "phase, without a burst of the missed ones");
}

static void test_state(void)
{
	struct kvm_pit_state2 a, b, k;
	struct vmrun_pit p, q;
	unsigned long long t = T0 + 777777, u;
	unsigned int i, bad = 0;

	vmrun_pit_init(&p, 0);
	wr(&p, 0x61, 0x03, T0);
	program(&p, 0, 2, 1193, T0);
	wr(&p, 0x43, 0x74, T0);		/* ch1 mode 2 LSB/MSB */
	wr(&p, 0x41, 18, T0);		/* half-written count */
	wr(&p, 0x43, 0xb1, T0 + 10);	/* ch2 mode 0 BCD */
	wr(&p, 0x42, 0x99, T0 + 10);
	wr(&p, 0x42, 0x09, T0 + 10);
	wr(&p, 0x43, 0x00, T0 + tick_ns(3));	/* latch ch0 */
	rd(&p, 0x40, T0);			/* LSB of it read */
	wr(&p, 0x43, 0xe8, T0 + tick_ns(4));	/* status ch2 latched */

	vmrun_pit_get_state(&p, &a, t);
	CHECK_EQ(a.channels[0].count, 1193, "state: count as written");
	CHECK_EQ(a.channels[0].count_load_time, T0,
		 "state: count_load_time is the load time (ns)");
	CHECK_EQ(a.channels[0].mode, 2, "state: mode");
	CHECK_EQ(a.channels[0].rw_mode, 3, "state: rw_mode LSB then MSB");
	CHECK_EQ(a.channels[0].count_latched, VMRUN_PIT_RW_MSB,
		 "state: latched count with the MSB still to read");
	CHECK_EQ(a.channels[0].latched_count, 1190, "state: latched value");
	CHECK_EQ(a.channels[1].write_state, VMRUN_PIT_RW_WORD1,
		 "state: channel 1 waits for the MSB");
	CHECK_EQ(a.channels[1].write_latch, 18,
		 "state: write_latch holds the LSB");
	CHECK_EQ(a.channels[2].status_latched, 1, "state: status latched");
	CHECK_EQ(a.channels[2].bcd, 1, "state: bcd");
	CHECK_EQ(a.channels[2].gate, 1, "state: gate 2 from port 0x61");
	CHECK_EQ(a.flags, KVM_PIT_FLAGS_SPEAKER_DATA_ON, "state: flags");

	vmrun_pit_init(&q, 5);
	vmrun_pit_set_state(&q, &a, t);
	vmrun_pit_get_state(&q, &b, t);
	CHECK(!memcmp(&a, &b, sizeof(a)),
	      "KVM_SET_PIT2 then KVM_GET_PIT2 at the same time: same state");
	CHECK_EQ(vmrun_pit_irq_deadline(&q), vmrun_pit_irq_deadline(&p),
		 "restored PIT has the same IRQ0 deadline (phase kept)");
	for (i = 0; i < 200; i++) {
		u = t + i * 12345678ull;
		if (rd(&p, 0x40, u) != rd(&q, 0x40, u) ||
		    rd(&p, 0x41, u) != rd(&q, 0x41, u) ||
		    rd(&p, 0x42, u) != rd(&q, 0x42, u) ||
		    rd(&p, 0x61, u) != rd(&q, 0x61, u))
			bad++;
		if (i == 100) {
			wr(&p, 0x41, 0, u);
			wr(&q, 0x41, 0, u);
		}
	}
	CHECK_EQ(bad, 0, "restored PIT reads like the original for 2.4 s, "
		 "latches, flip-flops and half-written count included");

	/* Round trip while channel 2's gate holds a mode 0 count. */
	vmrun_pit_init(&p, 0);
	wr(&p, 0x61, 1, T0);
	program(&p, 2, 0, 1000, T0);
	wr(&p, 0x61, 0, T0 + tick_ns(100));
	vmrun_pit_get_state(&p, &a, T0 + tick_ns(600));
	CHECK_EQ(a.channels[2].count_load_time,
		 T0 + tick_ns(600) - tick_ns(100),
		 "gate low: count_load_time moves on with the time stopped");
	vmrun_pit_init(&q, 0);
	vmrun_pit_set_state(&q, &a, T0 + tick_ns(600));
	CHECK_EQ(latch16(&q, 2, T0 + tick_ns(900)), 900,
		 "restored stopped mode 0 count stays stopped");
	wr(&q, 0x61, 1, T0 + tick_ns(1000));
	CHECK_EQ(latch16(&q, 2, T0 + tick_ns(1000) + tick_ns(100)), 800,
		 "and resumes where it stopped on a rising gate");

	/* A state as KVM makes it: status 0, load time in the past. */
	memset(&k, 0, sizeof(k));
	for (i = 0; i < 3; i++) {
		k.channels[i].mode = 0xff;
		k.channels[i].count = 0x10000;
		k.channels[i].gate = i != 2;
	}
	k.channels[0].mode = 2;
	k.channels[0].rw_mode = 3;
	k.channels[0].read_state = 3;
	k.channels[0].write_state = 3;
	k.channels[0].count = 0;	/* KVM: 0 is 65536 */
	k.channels[0].count_load_time = T0;
	vmrun_pit_init(&q, 0);
	u = T0 + tick_ns(3 * 65536 + 10);
	vmrun_pit_set_state(&q, &k, u);
	CHECK_EQ(vmrun_pit_irq_deadline(&q), T0 + tick_ns(4 * 65536),
		 "KVM-made state: counting goes on from count_load_time");
	CHECK_EQ(latch16(&q, 0, u), 65536 - 10,
		 "KVM-made state: count at 3 periods + 10 ticks");
	vmrun_pit_get_state(&q, &b, u);
	CHECK_EQ(b.channels[0].count, 0x10000,
		 "count 0 set is reported as 0x10000, as KVM");
	CHECK_EQ(b.channels[1].mode, 0xff, "unprogrammed channel kept");
}

int main(void)
{
	test_ports();
	test_reset_state();
	test_linux_periodic();
	test_linux_calibration();
	test_seabios();
	test_no_drift();
	test_arbitrary_times();
	test_latch();
	test_bcd();
	test_mode3();
	test_mode0();
	test_mode4();
	test_gate_modes();
	test_speaker_port();
	test_hpet_legacy();
	test_state();
	return DONE();
}
