/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The Intel 8254 programmable interval timer as a PC wires it and as
 * KVM_CREATE_PIT2 exposes it: a 1193182 Hz input clock; channel 0's OUT
 * drives IRQ0 and its gate is tied high; channel 1 (DRAM refresh) has its
 * gate tied high and its OUT goes nowhere; channel 2's gate is port 0x61
 * bit 0 and its OUT reads back on port 0x61 bit 5.
 *
 * A pure model (see apic_msg.h for the split): no locking, no clock of its
 * own, no timers. Every call that looks at time takes now_ns, nanoseconds
 * of one monotonic clock; the glue must use the same clock everywhere,
 * ktime_get() to match what QEMU expects in count_load_time.
 *
 * Counting is computed from the time the count was loaded, never
 * accumulated: the counter value at tick d is a closed form of d, and d is
 * floor((now_ns - load_ns) * 1193182 / 10^9), exact over any run time.
 *
 * Approximations, all as KVM and QEMU make them:
 *  - A count is loaded into the counting element at the instant it is
 *    written (the chip waits for the next CLK edge), and in modes 2 and 3 a
 *    new count restarts the period at once instead of at the end of the
 *    current one.
 *  - A count written in modes 1 and 5 waits for the next rising gate edge
 *    (the one-shot in progress, if any, ends), and a gate edge before the
 *    first count write since the control word triggers with the previous
 *    count.
 *  - A control word's own OUT transition is not an IRQ0 edge: only
 *    counting produces edges.
 */
#ifndef VMRUN_IRQ_X86_PIT_H
#define VMRUN_IRQ_X86_PIT_H

#include <linux/types.h>
#include <linux/kvm.h>

#define VMRUN_PIT_FREQ_HZ	1193182u
#define VMRUN_PIT_PORT_CH0	0x40	/* data ports 0x40-0x42 */
#define VMRUN_PIT_PORT_CTRL	0x43	/* control word, write-only */
#define VMRUN_PIT_PORT_SPEAKER	0x61	/* NMI status/control, port B */
#define VMRUN_PIT_CHANNELS	3

/* Access states of the read/write byte sequencers, as kvm_pit_state2. */
#define VMRUN_PIT_RW_LSB	1
#define VMRUN_PIT_RW_MSB	2
#define VMRUN_PIT_RW_WORD0	3	/* LSB then MSB: next is the LSB */
#define VMRUN_PIT_RW_WORD1	4	/* LSB then MSB: next is the MSB */

/* Model-private: the glue only allocates it and passes it around. */
struct vmrun_pit_channel {
	u32 count;		/* initial count as written; 0 is 0x10000 */
	u64 load_ns;		/* counting of count began (or was triggered) */
	u64 paused_ns;		/* gate low in mode 0, 2, 3, 4: stopped since */
	/* channel 0: next unreported OUT rising edge, ticks after load_ns */
	u64 irq_edge;		/* U64_MAX: none */
	u16 latched_count;
	u8 count_latched;	/* VMRUN_PIT_RW_* left to read, 0: none */
	u8 status_latched;
	u8 status;
	u8 read_state;
	u8 write_state;
	u8 write_latch;
	u8 rw_mode;
	u8 mode;		/* 0-5 (6, 7 alias 2, 3); 0xff: never set */
	u8 bcd;
	u8 gate;
	bool null_count;	/* the counting element holds no new count */
};

struct vmrun_pit {
	struct vmrun_pit_channel ch[VMRUN_PIT_CHANNELS];
	u32 flags;		/* KVM_PIT_FLAGS_HPET_LEGACY, _SPEAKER_DATA_ON */
};

/*
 * vmrun_pit_init() - set up a PIT as KVM_CREATE_PIT2 leaves it; same as
 * vmrun_pit_reset().
 */
void vmrun_pit_init(struct vmrun_pit *pit, u64 now_ns);

/*
 * vmrun_pit_reset() - the state KVM reports after KVM_CREATE_PIT2: every
 * channel unprogrammed (mode 0xff: OUT low, no IRQ0, reads 0), count
 * 0x10000 loaded at now_ns, gates of channels 0 and 1 high, channel 2's
 * low, flags 0. The glue re-reads vmrun_pit_irq_deadline() afterwards.
 */
void vmrun_pit_reset(struct vmrun_pit *pit, u64 now_ns);

/*
 * vmrun_pit_pio_read() - a one-byte IN from port 0x40-0x43 or 0x61.
 * 0x40-0x42: the latched status, else the latched count, else the live
 * count, byte by byte as the channel's access mode says. 0x43 is
 * write-only: 0xff (the chip does not drive the bus). 0x61: bit 0 gate 2,
 * bit 1 speaker data, bit 4 refresh toggle (flips every 2^14 ns of now_ns,
 * as KVM approximates the ~15 us DRAM refresh), bit 5 OUT of channel 2.
 * Returns 0, or -EINVAL (and *val untouched) for any other port. Reads
 * change state (byte flip-flops, latches) but never the IRQ0 deadline.
 */
int vmrun_pit_pio_read(struct vmrun_pit *pit, u16 port, u8 *val, u64 now_ns);

/*
 * vmrun_pit_pio_write() - a one-byte OUT to port 0x40-0x43 or 0x61.
 * 0x43: control word, counter latch, read-back command. 0x40-0x42: count
 * bytes. 0x61: bit 0 gate 2, bit 1 speaker data; other bits are ignored.
 * Returns 0, or -EINVAL for any other port. May move the IRQ0 deadline:
 * the glue re-reads vmrun_pit_irq_deadline() after every write to
 * 0x40 or 0x43.
 */
int vmrun_pit_pio_write(struct vmrun_pit *pit, u16 port, u8 val, u64 now_ns);

/*
 * vmrun_pit_irq_deadline() - absolute time, in now_ns's clock, of the next
 * rising edge of channel 0's OUT not yet reported by
 * vmrun_pit_irq_fired(); 0 when none is coming (channel 0 unprogrammed,
 * waiting for a count, one-shot already reported, or
 * KVM_PIT_FLAGS_HPET_LEGACY set). Edges, in ticks of the 1193182 Hz clock
 * after the count was loaded (N: the count, 0 meaning 65536 or 10000 BCD):
 *   mode 0  once, at N (terminal count);
 *   mode 1  none: the gate of channel 0 is tied high, so nothing triggers
 *           it (a state set with null_count clear counts as triggered at
 *           count_load_time: once, at N);
 *   mode 2  every N ticks (after the one-tick low pulse);
 *   mode 3  every N ticks (low half ends);
 *   mode 4  once, at N + 1 (end of the one-tick low strobe);
 *   mode 5  as mode 1, the edge at N + 1.
 * The value is the first nanosecond at which the edge's tick has begun,
 * so a timer armed for it finds vmrun_pit_irq_fired() >= 1. A count of 1
 * in modes 2 and 3 (illegal on the chip) gives an edge every tick, 838 ns:
 * the glue should keep a floor on its re-arm interval (KVM uses 200 us)
 * and let vmrun_pit_irq_fired() count what it skipped.
 */
u64 vmrun_pit_irq_deadline(const struct vmrun_pit *pit);

/*
 * vmrun_pit_irq_fired() - the glue's timer for the deadline went off at
 * now_ns. Returns how many rising edges of channel 0's OUT happened since
 * the last report, up to now_ns (0 if none: an early or stale timer;
 * capped at INT_MAX), and moves the deadline to the next edge. Always 0
 * while KVM_PIT_FLAGS_HPET_LEGACY is set (the edges are dropped, not
 * saved). The glue raises IRQ0 (a pulse: level 1 then 0) once or that
 * many times, then re-arms for vmrun_pit_irq_deadline().
 */
int vmrun_pit_irq_fired(struct vmrun_pit *pit, u64 now_ns);

/*
 * vmrun_pit_get_state() - KVM_GET_PIT2. Channel fields mean what they mean
 * in KVM: count is the last initial count written (raw, BCD digits when
 * bcd; 0x10000 for 0), latched_count/count_latched the pending latched
 * count and which VMRUN_PIT_RW_* byte(s) of it remain, status/
 * status_latched the pending status latch, read_state/write_state the
 * byte flip-flops (VMRUN_PIT_RW_*), write_latch the LSB of a half-written
 * count, rw_mode/mode/bcd the control word, gate the gate input,
 * count_load_time the time (now_ns's clock) counting of count began.
 * Two extensions, both invisible to a state that came from KVM:
 *  - while no status is latched, status holds the live status byte, whose
 *    bit 6 (NULL COUNT) tells a channel that waits for a count or a
 *    trigger (KVM never sets bit 6);
 *  - while a low gate holds counting (channel 2, modes 0, 2, 3, 4),
 *    count_load_time is moved forward by the time spent stopped, so that it
 *    stays "when an unstopped count would have begun".
 * flags carries KVM_PIT_FLAGS_HPET_LEGACY and KVM_PIT_FLAGS_SPEAKER_DATA_ON;
 * reserved is zeroed.
 */
void vmrun_pit_get_state(const struct vmrun_pit *pit,
			 struct kvm_pit_state2 *state, u64 now_ns);

/*
 * vmrun_pit_set_state() - KVM_SET_PIT2. Restores every field as given
 * (count 0 becomes 0x10000, higher bits than 16 of count are dropped, gate
 * is taken as a boolean, unknown flags are dropped) and resumes counting
 * from count_load_time: vmrun_pit_get_state() at the same now_ns returns
 * the same state. Unlike KVM, which restarts every count at the time of
 * the ioctl, the phase is kept. IRQ0 edges at or before now_ns are not
 * reported; the glue re-reads vmrun_pit_irq_deadline() afterwards.
 */
void vmrun_pit_set_state(struct vmrun_pit *pit,
			 const struct kvm_pit_state2 *state, u64 now_ns);

#endif /* VMRUN_IRQ_X86_PIT_H */
