// SPDX-License-Identifier: GPL-2.0-only
/*
 * Intel 8254 PIT model (see pit.h for the contract and the approximations).
 *
 * Every counter value and OUT level is a function of d, the number of
 * input clock ticks since the count was loaded, so nothing drifts and
 * nothing needs a periodic callback: the glue only arms one timer for the
 * next rising edge of channel 0's OUT.
 */
#include <linux/types.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/kvm.h>

#include "pit.h"

#define NSEC_PER_SEC_U32	1000000000u
#define PIT_NO_EDGE		(~(u64)0)
#define PIT_INT_MAX		((int)(~0u >> 1))
#define PIT_MODE_NONE		0xff

/* Status byte (read-back command) bits. */
#define PIT_STATUS_OUT		0x80
#define PIT_STATUS_NULL_COUNT	0x40

#define PIT_SPK_GATE2		0x01
#define PIT_SPK_DATA		0x02
#define PIT_SPK_REFRESH		0x10
#define PIT_SPK_OUT2		0x20

/*
 * The one 64-bit division of the model. The kernel build must use
 * div_u64_rem() here on 32-bit hosts, where gcc would call libgcc's
 * __udivdi3; x86-64 and arm64 divide natively. Every divisor fits in u32.
 */
static u64 pit_div(u64 n, u32 d, u32 *rem)
{
	u64 q = n / d;

	if (rem)
		*rem = (u32)(n - q * d);
	return q;
}

/*
 * floor(ns * F / 10^9) without a 128-bit product: ns * F overflows u64
 * after about 4 hours, so split ns into whole seconds and the rest.
 */
static u64 pit_ns_to_ticks(u64 ns)
{
	u32 rem;
	u64 sec = pit_div(ns, NSEC_PER_SEC_U32, &rem);

	return sec * VMRUN_PIT_FREQ_HZ +
	       pit_div((u64)rem * VMRUN_PIT_FREQ_HZ, NSEC_PER_SEC_U32, NULL);
}

/*
 * The first ns offset at which pit_ns_to_ticks() reaches ticks, i.e.
 * ceil(ticks * 10^9 / F), split by whole seconds for the same reason.
 */
static u64 pit_ticks_to_ns(u64 ticks)
{
	u32 rem;
	u64 sec = pit_div(ticks, VMRUN_PIT_FREQ_HZ, &rem);

	return sec * NSEC_PER_SEC_U32 +
	       pit_div((u64)rem * NSEC_PER_SEC_U32 + VMRUN_PIT_FREQ_HZ - 1,
		       VMRUN_PIT_FREQ_HZ, NULL);
}

static u8 pit_mode(const struct vmrun_pit_channel *c)
{
	if (c->mode <= 5)
		return c->mode;
	if (c->mode <= 7)
		return c->mode - 4;
	return PIT_MODE_NONE;
}

static u32 pit_bcd_to_bin(u32 v)
{
	return (v & 0xf) + ((v >> 4) & 0xf) * 10 + ((v >> 8) & 0xf) * 100 +
	       ((v >> 12) & 0xf) * 1000;
}

static u16 pit_bin_to_bcd(u32 v)
{
	u32 rem, out = 0;
	int shift;

	for (shift = 0; shift < 16; shift += 4) {
		v = (u32)pit_div(v, 10, &rem);
		out |= rem << shift;
	}
	return (u16)out;
}

/* The range the counting element wraps in: 2^16 binary, 10^4 BCD. */
static u32 pit_modulus(const struct vmrun_pit_channel *c)
{
	return c->bcd ? 10000 : 0x10000;
}

/*
 * N, the number of ticks one count lasts. A written 0 stands for the
 * largest count (stored as 0x10000, KVM's convention), which in BCD is
 * 10000. Digits above 9 in BCD are undefined on the chip; they are taken
 * at face value so that N stays >= 1.
 */
static u32 pit_period(const struct vmrun_pit_channel *c)
{
	u32 raw = c->count & 0xffff;

	if (!raw)
		return pit_modulus(c);
	return c->bcd ? pit_bcd_to_bin(raw) : raw;
}

/* A low gate stops counting in these modes; a rising one matters in all. */
static bool pit_gated_off(const struct vmrun_pit_channel *c)
{
	u8 m = pit_mode(c);

	return !c->gate && (m == 0 || m == 2 || m == 3 || m == 4);
}

static bool pit_counting(const struct vmrun_pit_channel *c)
{
	return pit_mode(c) != PIT_MODE_NONE && !c->null_count;
}

/* Ticks counted since load_ns, not counting time stopped by the gate. */
static u64 pit_ticks(const struct vmrun_pit_channel *c, u64 now_ns)
{
	u64 end = pit_gated_off(c) ? c->paused_ns : now_ns;

	if (end <= c->load_ns)
		return 0;
	return pit_ns_to_ticks(end - c->load_ns);
}

/*
 * Mode 3 counts down by two. Even N: N, N-2, ..., 2 in each half period
 * of N/2 ticks. Odd N: N-1, ..., 2, 0 while OUT is high ((N+1)/2 ticks:
 * the zero is held one extra tick), then N-1, ..., 2 while it is low
 * ((N-1)/2 ticks).
 */
static u32 pit_mode3_ce(u32 n, u32 phase)
{
	u32 high = (n + 1) / 2;

	if (!(n & 1))
		return n - 2 * (phase < high ? phase : phase - high);
	if (phase < high)
		return n - 1 - 2 * phase;
	return n - 1 - 2 * (phase - high);
}

/* The counting element's value as the data port would read it. */
static u16 pit_read_ce(const struct vmrun_pit_channel *c, u64 now_ns)
{
	u32 n = pit_period(c), m = pit_modulus(c), phase, ce;
	u64 d;

	/*
	 * Before its count is loaded the element is undefined on the chip;
	 * the last initial count is as good a value as any and survives a
	 * state round trip.
	 */
	if (!pit_counting(c))
		return (u16)c->count;

	d = pit_ticks(c, now_ns);
	switch (pit_mode(c)) {
	case 2:
		pit_div(d, n, &phase);
		ce = n - phase;
		break;
	case 3:
		pit_div(d, n, &phase);
		ce = pit_mode3_ce(n, phase);
		break;
	default:
		/* Modes 0, 1, 4, 5 wrap past 0 and go on counting down. */
		pit_div(d, m, &phase);
		pit_div(n, m, &ce);
		ce = ce >= phase ? ce - phase : ce + m - phase;
		break;
	}
	pit_div(ce, m, &ce);
	return c->bcd ? pit_bin_to_bcd(ce) : (u16)ce;
}

static bool pit_out(const struct vmrun_pit_channel *c, u64 now_ns)
{
	u32 n = pit_period(c), phase;
	u8 m = pit_mode(c);
	u64 d;

	if (m == PIT_MODE_NONE)
		return false;
	/* Waiting for a count (or a trigger): the mode's initial level. */
	if (c->null_count)
		return m != 0;
	/* Modes 2 and 3 force OUT high while the gate is low. */
	if (!c->gate && (m == 2 || m == 3))
		return true;

	d = pit_ticks(c, now_ns);
	switch (m) {
	case 0:
	case 1:
		return d >= n;
	case 2:
		/* Low for the one tick the element holds 1. */
		pit_div(d, n, &phase);
		return n < 2 || phase != n - 1;
	case 3:
		pit_div(d, n, &phase);
		return phase < (n + 1) / 2;
	default:
		/* Modes 4 and 5: a one-tick low strobe at terminal count. */
		return d != n;
	}
}

/*
 * The first rising edge of OUT strictly after tick d, in ticks since the
 * load, or PIT_NO_EDGE. Edges happen only while counting.
 */
static u64 pit_next_edge(const struct vmrun_pit_channel *c, u64 d)
{
	u64 n = pit_period(c);

	if (!pit_counting(c) || pit_gated_off(c))
		return PIT_NO_EDGE;

	switch (pit_mode(c)) {
	case 0:
	case 1:
		return d < n ? n : PIT_NO_EDGE;
	case 2:
	case 3:
		return (pit_div(d, (u32)n, NULL) + 1) * n;
	default:
		return d < n + 1 ? n + 1 : PIT_NO_EDGE;
	}
}

static bool pit_periodic(const struct vmrun_pit_channel *c)
{
	u8 m = pit_mode(c);

	return m == 2 || m == 3;
}

static void pit_rearm_irq(struct vmrun_pit *pit, u64 now_ns)
{
	struct vmrun_pit_channel *c = &pit->ch[0];

	c->irq_edge = pit_next_edge(c, pit_ticks(c, now_ns));
}

static u8 pit_status(const struct vmrun_pit_channel *c, u64 now_ns)
{
	u8 m = pit_mode(c);

	return (pit_out(c, now_ns) ? PIT_STATUS_OUT : 0) |
	       (c->null_count ? PIT_STATUS_NULL_COUNT : 0) |
	       (c->rw_mode & 3) << 4 |
	       (m == PIT_MODE_NONE ? 0 : m) << 1 |
	       (c->bcd & 1);
}

/* A second latch before the first is read is ignored (both kinds). */
static void pit_latch_count(struct vmrun_pit_channel *c, u64 now_ns)
{
	if (c->count_latched)
		return;
	c->latched_count = pit_read_ce(c, now_ns);
	c->count_latched = c->rw_mode ? c->rw_mode : VMRUN_PIT_RW_LSB;
}

static void pit_latch_status(struct vmrun_pit_channel *c, u64 now_ns)
{
	if (c->status_latched)
		return;
	c->status = pit_status(c, now_ns);
	c->status_latched = 1;
}

static void pit_load_count(struct vmrun_pit *pit, int idx, u32 val,
			   u64 now_ns)
{
	struct vmrun_pit_channel *c = &pit->ch[idx];
	u8 m = pit_mode(c);

	c->count = val ? val : 0x10000;
	c->load_ns = now_ns;
	c->paused_ns = now_ns;
	/* Modes 1 and 5 load the element on the next gate trigger. */
	c->null_count = m == PIT_MODE_NONE || m == 1 || m == 5;
	if (idx == 0)
		pit_rearm_irq(pit, now_ns);
}

static void pit_control_word(struct vmrun_pit *pit, u8 val, u64 now_ns)
{
	int idx = val >> 6, i;
	u8 access = (val >> 4) & 3;
	struct vmrun_pit_channel *c;

	if (idx == 3) {
		/* Read-back: bits 3:1 select, bit 5/4 clear latch count/status */
		for (i = 0; i < VMRUN_PIT_CHANNELS; i++) {
			if (!(val & (2 << i)))
				continue;
			if (!(val & 0x20))
				pit_latch_count(&pit->ch[i], now_ns);
			if (!(val & 0x10))
				pit_latch_status(&pit->ch[i], now_ns);
		}
		return;
	}

	c = &pit->ch[idx];
	if (!access) {
		pit_latch_count(c, now_ns);
		return;
	}

	/*
	 * A control word resets the channel's control logic: byte sequencers
	 * and pending latches go, OUT takes the mode's initial level and
	 * counting stops until a new count arrives (Linux relies on this to
	 * silence channel 0 when another clock event device takes over).
	 */
	c->rw_mode = access;
	c->read_state = access;
	c->write_state = access;
	c->mode = (val >> 1) & 7;
	if (c->mode > 5)
		c->mode -= 4;
	c->bcd = val & 1;
	c->count_latched = 0;
	c->status_latched = 0;
	c->null_count = true;
	if (idx == 0)
		c->irq_edge = PIT_NO_EDGE;
}

static void pit_write_count(struct vmrun_pit *pit, int idx, u8 val,
			    u64 now_ns)
{
	struct vmrun_pit_channel *c = &pit->ch[idx];

	switch (c->write_state) {
	case VMRUN_PIT_RW_MSB:
		pit_load_count(pit, idx, (u32)val << 8, now_ns);
		break;
	case VMRUN_PIT_RW_WORD0:
		c->write_latch = val;
		c->write_state = VMRUN_PIT_RW_WORD1;
		/* In mode 0 the first byte already stops counting, OUT low. */
		if (pit_mode(c) == 0) {
			c->null_count = true;
			if (idx == 0)
				c->irq_edge = PIT_NO_EDGE;
		}
		break;
	case VMRUN_PIT_RW_WORD1:
		c->write_state = VMRUN_PIT_RW_WORD0;
		pit_load_count(pit, idx, c->write_latch | (u32)val << 8,
			       now_ns);
		break;
	default:
		/* LSB only, and the unprogrammed state as KVM treats it. */
		pit_load_count(pit, idx, val, now_ns);
		break;
	}
}

static u8 pit_read_data(struct vmrun_pit_channel *c, u64 now_ns)
{
	u8 ret;

	/* A latched status is read first, then a latched count. */
	if (c->status_latched) {
		c->status_latched = 0;
		return c->status;
	}
	if (c->count_latched) {
		switch (c->count_latched) {
		case VMRUN_PIT_RW_MSB:
			ret = c->latched_count >> 8;
			c->count_latched = 0;
			break;
		case VMRUN_PIT_RW_WORD0:
			ret = c->latched_count & 0xff;
			c->count_latched = VMRUN_PIT_RW_MSB;
			break;
		default:
			ret = c->latched_count & 0xff;
			c->count_latched = 0;
			break;
		}
		return ret;
	}

	/* Unlatched reads see the element as it is at each byte. */
	switch (c->read_state) {
	case VMRUN_PIT_RW_MSB:
		return pit_read_ce(c, now_ns) >> 8;
	case VMRUN_PIT_RW_WORD0:
		c->read_state = VMRUN_PIT_RW_WORD1;
		return pit_read_ce(c, now_ns) & 0xff;
	case VMRUN_PIT_RW_WORD1:
		c->read_state = VMRUN_PIT_RW_WORD0;
		return pit_read_ce(c, now_ns) >> 8;
	default:
		return pit_read_ce(c, now_ns) & 0xff;
	}
}

static void pit_set_gate2(struct vmrun_pit *pit, bool gate, u64 now_ns)
{
	struct vmrun_pit_channel *c = &pit->ch[2];
	bool was_off = pit_gated_off(c);
	u8 m = pit_mode(c);

	if (!!c->gate == gate)
		return;

	if (!gate) {
		c->gate = 0;
		if (pit_gated_off(c))
			c->paused_ns = now_ns;
		return;
	}

	c->gate = 1;
	switch (m) {
	case 0:
	case 4:
		/* Resume: move the load forward by the time stopped. */
		if (was_off && !c->null_count)
			c->load_ns += now_ns - c->paused_ns;
		break;
	case 1:
	case 5:
		/* Trigger (or retrigger): the count starts over. */
		c->load_ns = now_ns;
		c->null_count = false;
		break;
	case 2:
	case 3:
		/* A rising gate reloads the count and restarts the period. */
		c->load_ns = now_ns;
		break;
	default:
		break;
	}
}

void vmrun_pit_reset(struct vmrun_pit *pit, u64 now_ns)
{
	int i;

	memset(pit, 0, sizeof(*pit));
	for (i = 0; i < VMRUN_PIT_CHANNELS; i++) {
		struct vmrun_pit_channel *c = &pit->ch[i];

		c->mode = PIT_MODE_NONE;
		c->gate = i != 2;
		c->irq_edge = PIT_NO_EDGE;
		pit_load_count(pit, i, 0, now_ns);
	}
}

void vmrun_pit_init(struct vmrun_pit *pit, u64 now_ns)
{
	vmrun_pit_reset(pit, now_ns);
}

int vmrun_pit_pio_read(struct vmrun_pit *pit, u16 port, u8 *val, u64 now_ns)
{
	const struct vmrun_pit_channel *c2 = &pit->ch[2];

	if (port >= VMRUN_PIT_PORT_CH0 && port < VMRUN_PIT_PORT_CTRL) {
		*val = pit_read_data(&pit->ch[port - VMRUN_PIT_PORT_CH0],
				     now_ns);
		return 0;
	}
	if (port == VMRUN_PIT_PORT_CTRL) {
		*val = 0xff;
		return 0;
	}
	if (port == VMRUN_PIT_PORT_SPEAKER) {
		*val = (c2->gate ? PIT_SPK_GATE2 : 0) |
		       (pit->flags & KVM_PIT_FLAGS_SPEAKER_DATA_ON ?
			PIT_SPK_DATA : 0) |
		       ((now_ns >> 14) & 1 ? PIT_SPK_REFRESH : 0) |
		       (pit_out(c2, now_ns) ? PIT_SPK_OUT2 : 0);
		return 0;
	}
	return -EINVAL;
}

int vmrun_pit_pio_write(struct vmrun_pit *pit, u16 port, u8 val, u64 now_ns)
{
	if (port >= VMRUN_PIT_PORT_CH0 && port < VMRUN_PIT_PORT_CTRL) {
		pit_write_count(pit, port - VMRUN_PIT_PORT_CH0, val, now_ns);
		return 0;
	}
	if (port == VMRUN_PIT_PORT_CTRL) {
		pit_control_word(pit, val, now_ns);
		return 0;
	}
	if (port == VMRUN_PIT_PORT_SPEAKER) {
		if (val & PIT_SPK_DATA)
			pit->flags |= KVM_PIT_FLAGS_SPEAKER_DATA_ON;
		else
			pit->flags &= ~KVM_PIT_FLAGS_SPEAKER_DATA_ON;
		pit_set_gate2(pit, val & PIT_SPK_GATE2, now_ns);
		return 0;
	}
	return -EINVAL;
}

u64 vmrun_pit_irq_deadline(const struct vmrun_pit *pit)
{
	const struct vmrun_pit_channel *c = &pit->ch[0];
	u64 t;

	if (pit->flags & KVM_PIT_FLAGS_HPET_LEGACY || c->irq_edge == PIT_NO_EDGE)
		return 0;
	t = c->load_ns + pit_ticks_to_ns(c->irq_edge);
	/* 0 means "no deadline"; an edge due at time 0 is due now anyway. */
	return t ? t : 1;
}

int vmrun_pit_irq_fired(struct vmrun_pit *pit, u64 now_ns)
{
	struct vmrun_pit_channel *c = &pit->ch[0];
	u64 d, n, edges;

	if (c->irq_edge == PIT_NO_EDGE)
		return 0;
	d = pit_ticks(c, now_ns);
	if (d < c->irq_edge)
		return 0;

	if (pit_periodic(c)) {
		n = pit_period(c);
		edges = pit_div(d - c->irq_edge, (u32)n, NULL) + 1;
		c->irq_edge += edges * n;
	} else {
		edges = 1;
		c->irq_edge = PIT_NO_EDGE;
	}

	if (pit->flags & KVM_PIT_FLAGS_HPET_LEGACY)
		return 0;
	return edges > (u64)PIT_INT_MAX ? PIT_INT_MAX : (int)edges;
}

void vmrun_pit_get_state(const struct vmrun_pit *pit,
			 struct kvm_pit_state2 *state, u64 now_ns)
{
	int i;

	memset(state, 0, sizeof(*state));
	for (i = 0; i < VMRUN_PIT_CHANNELS; i++) {
		const struct vmrun_pit_channel *c = &pit->ch[i];
		struct kvm_pit_channel_state *s = &state->channels[i];
		u64 load = c->load_ns;

		if (pit_gated_off(c) && !c->null_count && now_ns > c->paused_ns)
			load += now_ns - c->paused_ns;

		s->count = c->count;
		s->latched_count = c->latched_count;
		s->count_latched = c->count_latched;
		s->status_latched = c->status_latched;
		s->status = c->status_latched ? c->status :
			    pit_status(c, now_ns);
		s->read_state = c->read_state;
		s->write_state = c->write_state;
		s->write_latch = c->write_latch;
		s->rw_mode = c->rw_mode;
		s->mode = c->mode;
		s->bcd = c->bcd;
		s->gate = c->gate;
		s->count_load_time = (s64)load;
	}
	state->flags = pit->flags;
}

void vmrun_pit_set_state(struct vmrun_pit *pit,
			 const struct kvm_pit_state2 *state, u64 now_ns)
{
	int i;

	for (i = 0; i < VMRUN_PIT_CHANNELS; i++) {
		struct vmrun_pit_channel *c = &pit->ch[i];
		const struct kvm_pit_channel_state *s = &state->channels[i];

		c->count = s->count & 0xffff ? s->count & 0xffff : 0x10000;
		c->latched_count = s->latched_count;
		c->count_latched = s->count_latched;
		c->status_latched = s->status_latched;
		c->status = s->status;
		c->read_state = s->read_state;
		c->write_state = s->write_state;
		c->write_latch = s->write_latch;
		c->rw_mode = s->rw_mode;
		c->mode = s->mode;
		c->bcd = s->bcd;
		c->gate = !!s->gate;
		c->load_ns = (u64)s->count_load_time;
		/* Stopped by the gate from now on, as get reported it. */
		c->paused_ns = now_ns;
		c->null_count = pit_mode(c) == PIT_MODE_NONE ||
				(s->status & PIT_STATUS_NULL_COUNT);
	}
	pit->flags = state->flags & (KVM_PIT_FLAGS_HPET_LEGACY |
				     KVM_PIT_FLAGS_SPEAKER_DATA_ON);
	pit_rearm_irq(pit, now_ns);
}
