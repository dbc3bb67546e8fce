/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The dual 8259A PIC model: master at 0x20/0x21, slave at 0xa0/0xa1
 * cascaded on the master's IR2, and the PIIX/ICH edge/level control
 * registers (ELCR) at 0x4d0/0x4d1, as PC chipsets and KVM have them.
 *
 * Plain C: no locking, no allocation, no kernel services. The glue
 * (irqchip.c) calls every function below with the PIC lock held; after
 * a call that may change vmrun_pic_output() it kicks the vCPU that takes
 * ExtINT interrupts, and after dropping the lock it reports the IRQs of
 * vmrun_pic_take_acked() to the ack notifiers.
 *
 * Not modelled: the 8080/8085 mode (ICW4 bit 0 clear), buffered mode,
 * the slave ID of ICW3 (the slave is always on IR2) and ICW1's LTIM
 * (level-triggered mode, which PCs leave to the ELCR), as in KVM.
 */
#ifndef VMRUN_IRQ_X86_PIC_H
#define VMRUN_IRQ_X86_PIC_H

#include <linux/types.h>
#include <linux/kvm.h>

#define VMRUN_PIC_MASTER_CMD		0x20
#define VMRUN_PIC_MASTER_DATA		0x21
#define VMRUN_PIC_SLAVE_CMD		0xa0
#define VMRUN_PIC_SLAVE_DATA		0xa1
#define VMRUN_PIC_ELCR_MASTER		0x4d0
#define VMRUN_PIC_ELCR_SLAVE		0x4d1
#define VMRUN_PIC_NUM_PINS		16
#define VMRUN_PIC_CASCADE_IRQ		2

/*
 * ELCR bits that can be set: IRQ 0, 1, 2 (master) and 8, 13 (slave) are
 * always edge-triggered on PC chipsets.
 */
#define VMRUN_PIC_ELCR_MASK_MASTER	0xf8
#define VMRUN_PIC_ELCR_MASK_SLAVE	0xde

struct vmrun_pic {
	/*
	 * [0] master, [1] slave, in the uapi layout: last_irr is each
	 * input's level, irr the latched requests, and the master's bit 2
	 * of both is derived (the slave's INT output, or'ed with a level
	 * driven on IRQ 2 itself).
	 */
	struct kvm_pic_state chip[2];
	bool single[2];		/* ICW1 SNGL seen: no ICW3 expected */
	bool ir2_level;		/* IRQ 2 driven by vmrun_pic_set_pin() */
	u16 acked;		/* in-service bits cleared, for take_acked */
};

/* Sets @pic up and resets it. */
void vmrun_pic_init(struct vmrun_pic *pic);

/*
 * The state at KVM_CREATE_IRQCHIP, as KVM has it: every register 0
 * (IMR included, vector base 0, not in an init sequence), all inputs
 * low, ELCR 0. Firmware initialises both chips before using them.
 */
void vmrun_pic_reset(struct vmrun_pic *pic);

/*
 * An 8-bit IN from @port: 0x20/0xa0 read the IRR or ISR (OCW3 RR/RIS),
 * 0x21/0xa1 the IMR, 0x4d0/0x4d1 the ELCR. After an OCW3 poll command
 * the next read of either port of that chip is the poll word: 0x80 | IRQ
 * level of the highest request, acknowledged as by an INTA (ISR set,
 * edge request cleared, auto-EOI honoured), or 0x07 with none.
 * Returns 0, or -EINVAL for a port that is not the PIC's.
 */
int vmrun_pic_pio_read(struct vmrun_pic *pic, u16 port, u8 *val);

/*
 * An 8-bit OUT to @port: ICW1 (bit 4 set, to 0x20/0xa0) starts the
 * init sequence (IMR, ISR, edge requests and special mask cleared;
 * ICW4 options cleared when IC4 is 0), then ICW2 (vector base, bits
 * 7:3), ICW3 unless SNGL, ICW4 if IC4 (AEOI, SFNM) go to 0x21/0xa1;
 * otherwise 0x21/0xa1 is OCW1 (IMR), 0x20/0xa0 OCW2 (EOIs, rotation,
 * set priority) or OCW3 (bit 3: read select, poll, special mask mode).
 * ELCR writes keep only the settable bits. Returns 0, or -EINVAL for a
 * port that is not the PIC's.
 */
int vmrun_pic_pio_write(struct vmrun_pic *pic, u16 port, u8 val);

/*
 * Input @irq (0-7 master, 8-15 slave) goes to @level. ELCR level IRQs
 * request while high; edge IRQs on a rising edge, and the request stays
 * latched until acknowledged even if the line drops. Returns 1 for a
 * new request (and, as KVM, for a de-assertion), 0 for a masked IRQ or
 * one whose request was already pending (coalesced) or a held line
 * without a new edge, -EINVAL for @irq > 15.
 */
int vmrun_pic_set_pin(struct vmrun_pic *pic, unsigned int irq, bool level);

/* The master's INT output: an unmasked request of enough priority. */
bool vmrun_pic_output(const struct vmrun_pic *pic);

/*
 * The CPU's interrupt acknowledge cycle: returns the vector of the
 * highest request (ICW2 base + IRQ level; through the slave for IR2),
 * sets its in-service bit, clears it for auto-EOI and clears an edge
 * request. With no request left the master answers spurious IRQ 7 (no
 * in-service bit set); with IR2 acknowledged but no slave request, the
 * slave answers spurious IRQ 15 and the master keeps IR2 in service
 * (Linux EOIs the master for it).
 */
int vmrun_pic_intack(struct vmrun_pic *pic);

/*
 * Returns, and forgets, the IRQs (bit n: IRQ n, 0-15) whose in-service
 * bit was cleared since the last call: by an EOI command, by auto-EOI,
 * by ICW1. KVM notifies the ack notifiers on every PIC in-service
 * clear, edge or level; the glue passes these to vmrun_irq_ack_notify()
 * (chip KVM_IRQCHIP_PIC_MASTER for 0-7, _SLAVE for 8-15 as pin 0-7 or
 * as irq, per its routing convention) after dropping the PIC lock, and
 * resampling irqfds of level IRQs then fire. Bit 2 (the cascade) is
 * reported too.
 */
u16 vmrun_pic_take_acked(struct vmrun_pic *pic);

/*
 * KVM_GET_IRQCHIP for @chip KVM_IRQCHIP_PIC_MASTER or _SLAVE.
 * Returns 0, or -EINVAL for another chip.
 */
int vmrun_pic_get_state(const struct vmrun_pic *pic, unsigned int chip,
			struct kvm_pic_state *st);

/*
 * KVM_SET_IRQCHIP for @chip. Refuses (-EINVAL, nothing changed) an
 * init_state above 3 or another chip; keeps the low 3 bits of
 * priority_add, bits 7:3 of irq_base, flags as 0/1, and the chip's own
 * elcr_mask (elcr is cut to it). The master's IR2 request is then
 * recomputed from the slave. Returns 0 on success.
 */
int vmrun_pic_set_state(struct vmrun_pic *pic, unsigned int chip,
			const struct kvm_pic_state *st);

#endif /* VMRUN_IRQ_X86_PIC_H */
