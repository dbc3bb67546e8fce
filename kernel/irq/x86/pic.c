// SPDX-License-Identifier: GPL-2.0-only
/*
 * The dual 8259A PIC model (see pic.h for the contract). Behaviour from
 * the Intel 8259A datasheet (order 231468); where a PC guest can tell,
 * as KVM's i8259 behaves.
 *
 * Priorities: level L of a chip has priority (L - priority_add) & 7, 0
 * highest; priority_add is what the rotation commands move.
 *
 * The cascade: the slave's INT output is the master's IR2 input, taken
 * as a level (whatever the master's ELCR says, which cannot mark IRQ 2
 * level anyway) and recomputed after every change, so the master sees
 * the slave's request for as long as the slave holds it.
 *
 * Special fully nested mode is honoured as in KVM: on the master, IR2 in
 * service does not hold back a further request through IR2.
 */
#include <linux/types.h>
#include <linux/string.h>
#include <linux/errno.h>
#include <linux/kvm.h>
#include "pic.h"

#define MASTER		0
#define SLAVE		1

#define ICW1_IC4	0x01
#define ICW1_SNGL	0x02
#define ICW1_INIT	0x10
#define ICW4_AEOI	0x02
#define ICW4_SFNM	0x10
#define OCW3_SEL	0x08
#define OCW3_RIS	0x01
#define OCW3_RR		0x02
#define OCW3_POLL	0x04
#define OCW3_SMM	0x20
#define OCW3_ESMM	0x40

/* OCW2 commands, bits 7:5 (R, SL, EOI). */
#define OCW2_ROTATE_AEOI_CLEAR	0
#define OCW2_EOI		1
#define OCW2_SPECIFIC_EOI	3
#define OCW2_ROTATE_AEOI_SET	4
#define OCW2_ROTATE_EOI		5
#define OCW2_SET_PRIORITY	6
#define OCW2_ROTATE_SPECIFIC	7

#define PIC_NO_IRQ	-1
#define PIC_SPURIOUS	7
#define PIC_POLL_NONE	0x07

static const u8 pic_elcr_mask[2] = {
	VMRUN_PIC_ELCR_MASK_MASTER, VMRUN_PIC_ELCR_MASK_SLAVE,
};

/* Priority rank (0 highest) of the best level in @mask, 8 for none. */
static int pic_best_rank(const struct kvm_pic_state *s, u8 mask)
{
	int rank;

	for (rank = 0; rank < 8; rank++)
		if (mask & (1U << ((rank + s->priority_add) & 7)))
			return rank;
	return 8;
}

static int pic_rank_level(const struct kvm_pic_state *s, int rank)
{
	return (rank + s->priority_add) & 7;
}

/*
 * The level @which would interrupt with now: the best unmasked request
 * of higher priority than everything in service. PIC_NO_IRQ for none.
 */
static int pic_pending(const struct vmrun_pic *pic, int which)
{
	const struct kvm_pic_state *s = &pic->chip[which];
	u8 in_service = s->isr;
	int req;

	req = pic_best_rank(s, s->irr & ~s->imr);
	if (req == 8)
		return PIC_NO_IRQ;
	/*
	 * Special mask mode: a masked level in service no longer holds
	 * back the lower ones (datasheet, OCW3 ESMM/SMM).
	 */
	if (s->special_mask)
		in_service &= ~s->imr;
	if (which == MASTER && s->special_fully_nested_mode)
		in_service &= ~(1U << VMRUN_PIC_CASCADE_IRQ);
	if (req < pic_best_rank(s, in_service))
		return pic_rank_level(s, req);
	return PIC_NO_IRQ;
}

/* Feeds the slave's output (and a level driven on IRQ 2) to IR2. */
static void pic_update_cascade(struct vmrun_pic *pic)
{
	struct kvm_pic_state *m = &pic->chip[MASTER];
	const u8 bit = 1U << VMRUN_PIC_CASCADE_IRQ;

	if (pic_pending(pic, SLAVE) != PIC_NO_IRQ || pic->ir2_level) {
		m->irr |= bit;
		m->last_irr |= bit;
	} else {
		m->irr &= ~bit;
		m->last_irr &= ~bit;
	}
}

static void pic_clear_isr(struct vmrun_pic *pic, int which, int irq)
{
	struct kvm_pic_state *s = &pic->chip[which];

	if (s->isr & (1U << irq))
		pic->acked |= 1U << (irq + 8 * which);
	s->isr &= ~(1U << irq);
}

/* The INTA (or poll) of level @irq of one chip. */
static void pic_ack(struct vmrun_pic *pic, int which, int irq)
{
	struct kvm_pic_state *s = &pic->chip[which];

	s->isr |= 1U << irq;
	/* A level request stays while its line is high. */
	if (!(s->elcr & (1U << irq)))
		s->irr &= ~(1U << irq);
	if (s->auto_eoi) {
		if (s->rotate_on_auto_eoi)
			s->priority_add = (irq + 1) & 7;
		pic_clear_isr(pic, which, irq);
	}
}

void vmrun_pic_reset(struct vmrun_pic *pic)
{
	int i;

	memset(pic->chip, 0, sizeof(pic->chip));
	for (i = 0; i < 2; i++) {
		pic->chip[i].elcr_mask = pic_elcr_mask[i];
		pic->single[i] = false;
	}
	pic->ir2_level = false;
	pic->acked = 0;
}

void vmrun_pic_init(struct vmrun_pic *pic)
{
	vmrun_pic_reset(pic);
}

static void pic_icw1(struct vmrun_pic *pic, int which, u8 val)
{
	struct kvm_pic_state *s = &pic->chip[which];
	u8 isr = s->isr;
	int irq;

	s->init4 = !!(val & ICW1_IC4);
	pic->single[which] = !!(val & ICW1_SNGL);
	/*
	 * The edge sense latches are reset, so an edge input must go low
	 * and high again; a level request stays while its line is high.
	 */
	s->last_irr = 0;
	s->irr &= s->elcr;
	s->imr = 0;
	s->priority_add = 0;	/* IR7 lowest */
	s->special_mask = 0;
	s->read_reg_select = 0;	/* IRR */
	s->poll = 0;
	if (!s->init4) {
		s->auto_eoi = 0;
		s->special_fully_nested_mode = 0;
	}
	s->init_state = 1;
	/*
	 * The datasheet is silent on the ISR; a re-initialising guest has
	 * given up on what was in service, so let it go (and tell).
	 */
	for (irq = 0; irq < 8; irq++)
		if (isr & (1U << irq))
			pic_clear_isr(pic, which, irq);
}

static void pic_ocw2(struct vmrun_pic *pic, int which, u8 val)
{
	struct kvm_pic_state *s = &pic->chip[which];
	int rank, irq = val & 7;

	switch (val >> 5) {
	case OCW2_ROTATE_AEOI_CLEAR:
	case OCW2_ROTATE_AEOI_SET:
		s->rotate_on_auto_eoi = (val >> 5) == OCW2_ROTATE_AEOI_SET;
		break;
	case OCW2_EOI:
	case OCW2_ROTATE_EOI:
		rank = pic_best_rank(s, s->isr);
		if (rank == 8)
			break;
		irq = pic_rank_level(s, rank);
		if ((val >> 5) == OCW2_ROTATE_EOI)
			s->priority_add = (irq + 1) & 7;
		pic_clear_isr(pic, which, irq);
		break;
	case OCW2_SPECIFIC_EOI:
		pic_clear_isr(pic, which, irq);
		break;
	case OCW2_SET_PRIORITY:
		/* L2-L0 name the lowest priority level. */
		s->priority_add = (irq + 1) & 7;
		break;
	case OCW2_ROTATE_SPECIFIC:
		s->priority_add = (irq + 1) & 7;
		pic_clear_isr(pic, which, irq);
		break;
	default:
		break;	/* 2: no operation */
	}
}

static void pic_ocw3(struct kvm_pic_state *s, u8 val)
{
	if (val & OCW3_POLL)
		s->poll = 1;
	if (val & OCW3_RR)
		s->read_reg_select = !!(val & OCW3_RIS);
	if (val & OCW3_ESMM)
		s->special_mask = !!(val & OCW3_SMM);
}

static void pic_data_write(struct vmrun_pic *pic, int which, u8 val)
{
	struct kvm_pic_state *s = &pic->chip[which];

	switch (s->init_state) {
	case 1:			/* ICW2 */
		s->irq_base = val & 0xf8;
		if (!pic->single[which])
			s->init_state = 2;
		else
			s->init_state = s->init4 ? 3 : 0;
		break;
	case 2:			/* ICW3: the cascade is fixed on IR2 */
		s->init_state = s->init4 ? 3 : 0;
		break;
	case 3:			/* ICW4 */
		s->auto_eoi = !!(val & ICW4_AEOI);
		s->special_fully_nested_mode = !!(val & ICW4_SFNM);
		s->init_state = 0;
		break;
	default:		/* OCW1 */
		s->imr = val;
		break;
	}
}

/* A poll read: an INTA of the chip's own best level, without cascade. */
static u8 pic_poll(struct vmrun_pic *pic, int which)
{
	int irq = pic_pending(pic, which);

	pic->chip[which].poll = 0;
	if (irq == PIC_NO_IRQ)
		return PIC_POLL_NONE;
	pic_ack(pic, which, irq);
	return 0x80 | irq;
}

static int pic_port_chip(u16 port, bool *data)
{
	switch (port) {
	case VMRUN_PIC_MASTER_CMD:
	case VMRUN_PIC_MASTER_DATA:
		*data = port & 1;
		return MASTER;
	case VMRUN_PIC_SLAVE_CMD:
	case VMRUN_PIC_SLAVE_DATA:
		*data = port & 1;
		return SLAVE;
	}
	return -1;
}

int vmrun_pic_pio_read(struct vmrun_pic *pic, u16 port, u8 *val)
{
	const struct kvm_pic_state *s;
	bool data;
	int which;

	if (port == VMRUN_PIC_ELCR_MASTER || port == VMRUN_PIC_ELCR_SLAVE) {
		*val = pic->chip[port & 1].elcr;
		return 0;
	}
	which = pic_port_chip(port, &data);
	if (which < 0)
		return -EINVAL;
	s = &pic->chip[which];

	if (s->poll) {
		*val = pic_poll(pic, which);
		pic_update_cascade(pic);
	} else if (data) {
		*val = s->imr;
	} else {
		*val = s->read_reg_select ? s->isr : s->irr;
	}
	return 0;
}

int vmrun_pic_pio_write(struct vmrun_pic *pic, u16 port, u8 val)
{
	bool data;
	int which;

	if (port == VMRUN_PIC_ELCR_MASTER || port == VMRUN_PIC_ELCR_SLAVE) {
		which = port & 1;
		pic->chip[which].elcr = val & pic_elcr_mask[which];
		pic_update_cascade(pic);
		return 0;
	}
	which = pic_port_chip(port, &data);
	if (which < 0)
		return -EINVAL;

	if (data)
		pic_data_write(pic, which, val);
	else if (val & ICW1_INIT)
		pic_icw1(pic, which, val);
	else if (val & OCW3_SEL)
		pic_ocw3(&pic->chip[which], val);
	else
		pic_ocw2(pic, which, val);
	pic_update_cascade(pic);
	return 0;
}

/* One input of one chip; returns as vmrun_pic_set_pin(). */
static int pic_input(struct kvm_pic_state *s, int irq, bool level)
{
	u8 bit = 1U << irq;
	int ret = 1;

	if (s->elcr & bit) {
		if (level) {
			ret = !(s->irr & bit);
			s->irr |= bit;
			s->last_irr |= bit;
		} else {
			s->irr &= ~bit;
			s->last_irr &= ~bit;
		}
	} else if (level) {
		/* No rising edge: nothing new. */
		ret = (s->last_irr & bit) ? 0 : !(s->irr & bit);
		s->irr |= bit;
		s->last_irr |= bit;
	} else {
		s->last_irr &= ~bit;
	}
	return (s->imr & bit) ? 0 : ret;
}

int vmrun_pic_set_pin(struct vmrun_pic *pic, unsigned int irq, bool level)
{
	struct kvm_pic_state *m = &pic->chip[MASTER];
	const u8 bit = 1U << VMRUN_PIC_CASCADE_IRQ;
	int ret;

	if (irq >= VMRUN_PIC_NUM_PINS)
		return -EINVAL;

	if (irq == VMRUN_PIC_CASCADE_IRQ) {
		bool was = m->irr & bit;

		pic->ir2_level = level;
		pic_update_cascade(pic);
		if (!level)
			ret = 1;
		else
			ret = !was;
		return (m->imr & bit) ? 0 : ret;
	}

	ret = pic_input(&pic->chip[irq >> 3], irq & 7, level);
	pic_update_cascade(pic);
	return ret;
}

bool vmrun_pic_output(const struct vmrun_pic *pic)
{
	return pic_pending(pic, MASTER) != PIC_NO_IRQ;
}

int vmrun_pic_intack(struct vmrun_pic *pic)
{
	int irq, irq2, vector;

	irq = pic_pending(pic, MASTER);
	if (irq == PIC_NO_IRQ) {
		/* The request went away before the INTA: spurious IRQ 7. */
		vector = pic->chip[MASTER].irq_base + PIC_SPURIOUS;
	} else if (irq == VMRUN_PIC_CASCADE_IRQ) {
		pic_ack(pic, MASTER, irq);
		irq2 = pic_pending(pic, SLAVE);
		if (irq2 != PIC_NO_IRQ)
			pic_ack(pic, SLAVE, irq2);
		else
			irq2 = PIC_SPURIOUS;	/* IRQ 15 */
		vector = pic->chip[SLAVE].irq_base + irq2;
	} else {
		pic_ack(pic, MASTER, irq);
		vector = pic->chip[MASTER].irq_base + irq;
	}
	pic_update_cascade(pic);
	return vector;
}

u16 vmrun_pic_take_acked(struct vmrun_pic *pic)
{
	u16 acked = pic->acked;

	pic->acked = 0;
	return acked;
}

static int pic_state_chip(unsigned int chip)
{
	if (chip == KVM_IRQCHIP_PIC_MASTER)
		return MASTER;
	if (chip == KVM_IRQCHIP_PIC_SLAVE)
		return SLAVE;
	return -1;
}

int vmrun_pic_get_state(const struct vmrun_pic *pic, unsigned int chip,
			struct kvm_pic_state *st)
{
	int which = pic_state_chip(chip);

	if (which < 0)
		return -EINVAL;
	*st = pic->chip[which];
	return 0;
}

int vmrun_pic_set_state(struct vmrun_pic *pic, unsigned int chip,
			const struct kvm_pic_state *st)
{
	int which = pic_state_chip(chip);
	struct kvm_pic_state *s;

	if (which < 0 || st->init_state > 3)
		return -EINVAL;
	s = &pic->chip[which];
	*s = *st;
	s->priority_add &= 7;
	s->irq_base &= 0xf8;
	s->read_reg_select = !!s->read_reg_select;
	s->poll = !!s->poll;
	s->special_mask = !!s->special_mask;
	s->auto_eoi = !!s->auto_eoi;
	s->rotate_on_auto_eoi = !!s->rotate_on_auto_eoi;
	s->special_fully_nested_mode = !!s->special_fully_nested_mode;
	s->init4 = !!s->init4;
	s->elcr_mask = pic_elcr_mask[which];
	s->elcr &= s->elcr_mask;
	pic->single[which] = false;
	pic_update_cascade(pic);
	return 0;
}
