/* models: pic.c */
// SPDX-License-Identifier: GPL-2.0-only
/*
 * The dual 8259A model against the 8259A datasheet (ICW/OCW formats,
 * priorities, poll, special mask, AEOI), the PIIX ELCR, the sequences
 * Linux (arch/x86/kernel/i8259.c) and SeaBIOS (src/hw/pic.c) program,
 * and KVM's uapi state (struct kvm_pic_state).
 */
#include <linux/types.h>
#include <linux/errno.h>
#include <string.h>
#include "unit-irq.h"
#include "pic.h"

static struct vmrun_pic pic;

static void out(u16 port, u8 val)
{
	int r = vmrun_pic_pio_write(&pic, port, val);

	if (r)
		printf("# out 0x%x: %d\n", port, r);
}

static u8 in(u16 port)
{
	u8 v = 0;

	vmrun_pic_pio_read(&pic, port, &v);
	return v;
}

static u8 isr(u16 cmd)
{
	u8 v;

	out(cmd, 0x0b);			/* OCW3: read ISR */
	v = in(cmd);
	out(cmd, 0x0a);			/* back to IRR, as Linux */
	return v;
}

static struct kvm_pic_state state(unsigned int chip)
{
	struct kvm_pic_state st;

	vmrun_pic_get_state(&pic, chip, &st);
	return st;
}

/* Linux init_8259A(): bases 0x30/0x38, all unmasked afterwards. */
static void linux_init(bool aeoi)
{
	vmrun_pic_init(&pic);
	out(0x21, 0xff);
	out(0xa1, 0xff);
	out(0x20, 0x11);
	out(0x21, 0x30);
	out(0x21, 0x04);
	out(0x21, aeoi ? 0x03 : 0x01);
	out(0xa0, 0x11);
	out(0xa1, 0x38);
	out(0xa1, 0x02);
	out(0xa1, 0x01);
	out(0x21, 0x00);
	out(0xa1, 0x00);
}

/* Linux's mask_and_ack_8259A() EOIs: specific, slave then cascade. */
static void linux_eoi(unsigned int irq)
{
	if (irq & 8) {
		out(0xa0, 0x60 + (irq & 7));
		out(0x20, 0x62);
	} else {
		out(0x20, 0x60 + irq);
	}
}

static void pulse(unsigned int irq)
{
	vmrun_pic_set_pin(&pic, irq, true);
	vmrun_pic_set_pin(&pic, irq, false);
}

static void test_init_sequences(void)
{
	struct kvm_pic_state m, s;

	vmrun_pic_init(&pic);
	m = state(KVM_IRQCHIP_PIC_MASTER);
	CHECK(m.imr == 0 && m.irq_base == 0 && m.init_state == 0 &&
	      m.elcr == 0 && m.elcr_mask == 0xf8,
	      "create/reset: KVM's zeroed state, ELCR mask 0xf8");
	CHECK(!vmrun_pic_output(&pic), "reset: INT low");

	linux_init(false);
	m = state(KVM_IRQCHIP_PIC_MASTER);
	s = state(KVM_IRQCHIP_PIC_SLAVE);
	CHECK_EQ(m.irq_base, 0x30, "Linux: master ICW2 base 0x30");
	CHECK_EQ(s.irq_base, 0x38, "Linux: slave ICW2 base 0x38");
	CHECK(m.init_state == 0 && s.init_state == 0,
	      "Linux: ICW1..ICW4 complete the sequence on both chips");
	CHECK(m.init4 && !m.auto_eoi && !s.auto_eoi,
	      "Linux: ICW4 0x01, 8086 mode, normal EOI");
	CHECK(m.imr == 0 && s.imr == 0, "Linux: OCW1 after init is the IMR");

	out(0x21, 0xa5);
	CHECK_EQ(in(0x21), 0xa5, "Linux probe_8259A: IMR reads back 0xa5");
	out(0x21, 0x00);

	linux_init(true);
	CHECK(state(KVM_IRQCHIP_PIC_MASTER).auto_eoi,
	      "Linux auto_eoi: ICW4 0x03 sets AEOI on the master");
	CHECK(!state(KVM_IRQCHIP_PIC_SLAVE).auto_eoi,
	      "Linux auto_eoi: slave ICW4 0x01 stays normal EOI");

	/* SeaBIOS pic_reset(): ICW1 to both, then ICW2, ICW3, ICW4 in turn. */
	vmrun_pic_init(&pic);
	out(0x20, 0x11);
	out(0xa0, 0x11);
	out(0x21, 0x08);
	out(0xa1, 0x70);
	out(0x21, 0x04);
	out(0xa1, 0x02);
	out(0x21, 0x01);
	out(0xa1, 0x01);
	out(0x21, 0xfb);
	out(0xa1, 0xff);
	m = state(KVM_IRQCHIP_PIC_MASTER);
	s = state(KVM_IRQCHIP_PIC_SLAVE);
	CHECK(m.irq_base == 0x08 && s.irq_base == 0x70,
	      "SeaBIOS: bases 0x08 and 0x70, interleaved sequences");
	CHECK(m.imr == 0xfb && s.imr == 0xff,
	      "SeaBIOS: IMRs 0xfb (cascade open) and 0xff");
	vmrun_pic_set_pin(&pic, 0, true);
	CHECK(!vmrun_pic_output(&pic), "SeaBIOS: IRQ 0 masked by IMR 0xfb");
	out(0x21, 0xfa);			/* enable_hwirq(0) */
	CHECK(vmrun_pic_output(&pic), "SeaBIOS: IRQ 0 unmasked: INT");
	CHECK_EQ(vmrun_pic_intack(&pic), 0x08, "SeaBIOS: IRQ 0 is vector 0x08");
	out(0x20, 0x20);			/* pic_eoi1() */
	CHECK_EQ(isr(0x20), 0, "SeaBIOS pic_eoi1: non-specific EOI");

	/* ICW1 without IC4: no ICW4, the third data write is the IMR. */
	vmrun_pic_init(&pic);
	out(0x20, 0x10);
	out(0x21, 0x40);
	out(0x21, 0x04);
	CHECK_EQ(state(KVM_IRQCHIP_PIC_MASTER).init_state, 0,
		 "ICW1 IC4=0: sequence ends after ICW3");
	out(0x21, 0x5a);
	CHECK_EQ(in(0x21), 0x5a, "ICW1 IC4=0: next data write is OCW1");

	/* ICW1 SNGL: no ICW3. */
	vmrun_pic_init(&pic);
	out(0x20, 0x13);
	out(0x21, 0x48);
	CHECK_EQ(state(KVM_IRQCHIP_PIC_MASTER).init_state, 3,
		 "ICW1 SNGL: ICW4 follows ICW2 directly");
	out(0x21, 0x03);
	m = state(KVM_IRQCHIP_PIC_MASTER);
	CHECK(m.init_state == 0 && m.auto_eoi && m.irq_base == 0x48,
	      "ICW1 SNGL: the ICW4 is taken as ICW4 (AEOI)");
	out(0x21, 0x47);
	CHECK_EQ(in(0x21), 0x47, "ICW1 SNGL: then OCW1");
	out(0x21, 0x4f);
	CHECK_EQ(state(KVM_IRQCHIP_PIC_MASTER).irq_base, 0x48,
		 "ICW2 bits 2:0 ignored in 8086 mode (base 0x48)");
}

static void test_ports(void)
{
	u8 v = 0x5a;

	vmrun_pic_init(&pic);
	CHECK_EQ(vmrun_pic_pio_read(&pic, 0x22, &v), -EINVAL,
		 "port 0x22 is not the PIC's");
	CHECK_EQ(vmrun_pic_pio_write(&pic, 0xa2, 0), -EINVAL,
		 "port 0xa2 is not the PIC's");
	CHECK_EQ(vmrun_pic_pio_write(&pic, 0x4d2, 0), -EINVAL,
		 "port 0x4d2 is not the PIC's");
	CHECK_EQ(vmrun_pic_pio_read(&pic, 0x4d1, &v), 0, "0x4d1 is ELCR2");

	out(0x4d0, 0xff);
	out(0x4d1, 0xff);
	CHECK_EQ(in(0x4d0), 0xf8, "ELCR1: IRQ 0, 1, 2 always edge");
	CHECK_EQ(in(0x4d1), 0xde, "ELCR2: IRQ 8 and 13 always edge");
	out(0x4d0, 0x20);
	CHECK_EQ(in(0x4d0), 0x20, "ELCR1 reads back what it keeps");
}

static void test_edge_and_priority(void)
{
	linux_init(false);
	CHECK_EQ(vmrun_pic_set_pin(&pic, 1, true), 1, "edge IRQ 1: new request");
	CHECK(vmrun_pic_output(&pic), "IRQ 1 pending: INT high");
	CHECK_EQ(vmrun_pic_set_pin(&pic, 1, true), 0,
		 "edge held high: no new request");
	vmrun_pic_set_pin(&pic, 1, false);
	CHECK(vmrun_pic_output(&pic),
	      "edge request stays latched after the line drops");
	CHECK_EQ(vmrun_pic_set_pin(&pic, 1, true), 0,
		 "new edge while the request is pending: coalesced");
	CHECK_EQ(vmrun_pic_set_pin(&pic, 1, false), 1,
		 "de-assert returns 1 (as KVM)");
	CHECK_EQ(vmrun_pic_intack(&pic), 0x31, "INTA: vector base + 1");
	CHECK_EQ(isr(0x20), 0x02, "INTA sets ISR bit 1");
	CHECK_EQ(in(0x20), 0x00, "INTA clears the edge request (IRR)");
	CHECK(!vmrun_pic_output(&pic), "nothing else: INT low");
	linux_eoi(1);
	CHECK_EQ(isr(0x20), 0, "specific EOI 0x61 clears ISR bit 1");
	CHECK_EQ(vmrun_pic_take_acked(&pic), 0x0002,
		 "the EOI is reported as an ack of IRQ 1");
	CHECK_EQ(vmrun_pic_take_acked(&pic), 0, "acks are taken once");

	pulse(3);
	pulse(1);
	CHECK_EQ(in(0x20), 0x0a, "OCW3 default read: IRR with IRQ 1 and 3");
	CHECK_EQ(vmrun_pic_intack(&pic), 0x31,
		 "fixed priority: IRQ 1 before IRQ 3");
	CHECK(!vmrun_pic_output(&pic),
	      "IRQ 3 held back while IRQ 1 in service");
	pulse(0);
	CHECK(vmrun_pic_output(&pic), "IRQ 0 outranks IRQ 1 in service: nests");
	CHECK_EQ(vmrun_pic_intack(&pic), 0x30, "nested INTA: IRQ 0");
	CHECK_EQ(isr(0x20), 0x03, "ISR holds IRQ 0 and 1");
	out(0x20, 0x20);
	CHECK_EQ(isr(0x20), 0x02,
		 "non-specific EOI clears the highest-priority ISR bit (0)");
	out(0x20, 0x20);
	CHECK_EQ(isr(0x20), 0x00, "second non-specific EOI clears IRQ 1");
	CHECK_EQ(vmrun_pic_intack(&pic), 0x33, "then IRQ 3");
	out(0x20, 0x20);

	pulse(6);
	out(0x21, 0x40);
	CHECK(!vmrun_pic_output(&pic), "IMR bit 6 masks IRQ 6");
	CHECK_EQ(vmrun_pic_set_pin(&pic, 6, true), 0, "masked IRQ: 0");
	vmrun_pic_set_pin(&pic, 6, false);
	out(0x21, 0x00);
	CHECK(vmrun_pic_output(&pic),
	      "unmasked: the latched IRQ 6 request shows");
	CHECK_EQ(vmrun_pic_intack(&pic), 0x36, "IRQ 6 delivered after unmask");
	out(0x20, 0x20);
	CHECK_EQ(vmrun_pic_set_pin(&pic, 16, true), -EINVAL, "IRQ 16: -EINVAL");
}

static void test_cascade(void)
{
	struct kvm_pic_state m;

	linux_init(false);
	CHECK_EQ(vmrun_pic_set_pin(&pic, 12, true), 1,
		 "slave IRQ 12: new request");
	vmrun_pic_set_pin(&pic, 12, false);
	m = state(KVM_IRQCHIP_PIC_MASTER);
	CHECK_EQ(m.irr & 0x04, 0x04, "slave INT raises master IR2");
	CHECK(vmrun_pic_output(&pic), "master INT from the cascade");
	CHECK_EQ(vmrun_pic_intack(&pic), 0x3c,
		 "INTA through IR2: slave base 0x38 + 4");
	CHECK_EQ(isr(0x20), 0x04, "master ISR bit 2 (cascade) in service");
	CHECK_EQ(isr(0xa0), 0x10, "slave ISR bit 4 in service");
	CHECK_EQ(in(0x20) & 0x04, 0, "master IR2 drops with the slave's INT");
	linux_eoi(12);
	CHECK(isr(0x20) == 0 && isr(0xa0) == 0,
	      "Linux EOI: slave 0x64 then master 0x62");
	CHECK_EQ(vmrun_pic_take_acked(&pic), (1U << 12) | (1U << 2),
		 "acks: IRQ 12 and the cascade IRQ 2");

	pulse(3);
	pulse(9);
	CHECK_EQ(vmrun_pic_intack(&pic), 0x39,
		 "IRQ 8-15 rank between IRQ 2 and 3: IRQ 9 before IRQ 3");
	CHECK(!vmrun_pic_output(&pic), "IRQ 3 waits behind IR2 in service");
	pulse(8);
	CHECK(vmrun_pic_output(&pic) == false,
	      "IRQ 8 > 9 in the slave, but master IR2 in service holds it (no SFNM)");
	linux_eoi(9);
	CHECK_EQ(vmrun_pic_intack(&pic), 0x38, "after EOI: IRQ 8");
	linux_eoi(8);
	CHECK_EQ(vmrun_pic_intack(&pic), 0x33, "then IRQ 3");
	out(0x20, 0x20);

	/* Special fully nested mode on the master (ICW4 bit 4). */
	vmrun_pic_init(&pic);
	out(0x20, 0x11); out(0x21, 0x30); out(0x21, 0x04); out(0x21, 0x11);
	out(0xa0, 0x11); out(0xa1, 0x38); out(0xa1, 0x02); out(0xa1, 0x01);
	pulse(9);
	CHECK_EQ(vmrun_pic_intack(&pic), 0x39, "SFNM: IRQ 9");
	pulse(8);
	CHECK(vmrun_pic_output(&pic),
	      "SFNM: a higher slave request passes master IR2 in service");
	CHECK_EQ(vmrun_pic_intack(&pic), 0x38, "SFNM: nested IRQ 8");
}

static void test_spurious(void)
{
	linux_init(false);
	out(0x4d0, 0x20);			/* IRQ 5 level */
	vmrun_pic_set_pin(&pic, 5, true);
	CHECK(vmrun_pic_output(&pic), "level IRQ 5 high: INT");
	vmrun_pic_set_pin(&pic, 5, false);
	CHECK(!vmrun_pic_output(&pic), "level IRQ 5 dropped: INT low");
	CHECK_EQ(vmrun_pic_intack(&pic), 0x37,
		 "INTA with the request gone: spurious IRQ 7 (base + 7)");
	CHECK_EQ(isr(0x20), 0,
		 "spurious IRQ 7 sets no ISR bit (Linux checks ISR bit 7)");

	pulse(4);
	out(0x21, 0x10);
	CHECK_EQ(vmrun_pic_intack(&pic), 0x37,
		 "request masked before INTA: spurious IRQ 7");
	out(0x21, 0x00);
	CHECK_EQ(vmrun_pic_intack(&pic), 0x34,
		 "the masked edge request is still latched");
	out(0x20, 0x20);

	vmrun_pic_set_pin(&pic, 2, true);
	CHECK_EQ(vmrun_pic_intack(&pic), 0x3f,
		 "IR2 without a slave request: spurious IRQ 15 (slave base + 7)");
	CHECK_EQ(isr(0x20), 0x04,
		 "spurious 15: master keeps IR2 in service (Linux EOIs it)");
	CHECK_EQ(isr(0xa0), 0, "spurious 15: slave ISR empty");
	vmrun_pic_set_pin(&pic, 2, false);
	out(0x20, 0x62);
	CHECK_EQ(isr(0x20), 0, "master EOI for the cascade after spurious 15");
}

static void test_aeoi_and_rotation(void)
{
	linux_init(true);
	pulse(1);
	CHECK_EQ(vmrun_pic_intack(&pic), 0x31, "AEOI: IRQ 1 vector");
	CHECK_EQ(isr(0x20), 0, "AEOI: ISR cleared at the end of INTA");
	CHECK_EQ(vmrun_pic_take_acked(&pic), 0x0002,
		 "AEOI reported as an ack of IRQ 1");
	pulse(0);
	CHECK_EQ(vmrun_pic_intack(&pic), 0x30,
		 "AEOI: nothing in service, next request taken at once");

	out(0x20, 0x80);			/* rotate in AEOI mode: set */
	pulse(4);
	CHECK_EQ(vmrun_pic_intack(&pic), 0x34, "rotate-on-AEOI: IRQ 4");
	CHECK_EQ(state(KVM_IRQCHIP_PIC_MASTER).priority_add, 5,
		 "rotate-on-AEOI: IRQ 4 becomes lowest (IRQ 5 highest)");
	pulse(3);
	pulse(6);
	CHECK_EQ(vmrun_pic_intack(&pic), 0x36,
		 "after rotation IRQ 6 outranks IRQ 3");
	out(0x20, 0x00);			/* rotate in AEOI: clear */
	CHECK_EQ(vmrun_pic_intack(&pic), 0x33, "IRQ 3");
	CHECK_EQ(state(KVM_IRQCHIP_PIC_MASTER).priority_add, 7,
		 "rotate-on-AEOI cleared: no rotation on this AEOI");

	linux_init(false);
	pulse(1);
	pulse(5);
	vmrun_pic_intack(&pic);
	out(0x20, 0xa0);			/* rotate on non-specific EOI */
	CHECK_EQ(state(KVM_IRQCHIP_PIC_MASTER).priority_add, 2,
		 "rotate on non-specific EOI: IRQ 1 becomes lowest");
	CHECK_EQ(isr(0x20), 0, "rotate on non-specific EOI clears IRQ 1");
	pulse(0);
	CHECK_EQ(vmrun_pic_intack(&pic), 0x35,
		 "after rotation IRQ 5 outranks IRQ 0");
	out(0x20, 0xc4);			/* set priority: 4 lowest */
	CHECK_EQ(state(KVM_IRQCHIP_PIC_MASTER).priority_add, 5,
		 "set priority command: L=4 lowest");
	CHECK_EQ(isr(0x20), 0x20, "set priority leaves ISR alone");
	out(0x20, 0xe5);			/* rotate on specific EOI, L=5 */
	CHECK_EQ(isr(0x20), 0, "rotate on specific EOI clears IRQ 5");
	CHECK_EQ(state(KVM_IRQCHIP_PIC_MASTER).priority_add, 6,
		 "rotate on specific EOI: IRQ 5 becomes lowest");
	CHECK_EQ(vmrun_pic_intack(&pic), 0x30, "IRQ 0 then");
	out(0x20, 0x40);			/* no operation */
	CHECK_EQ(isr(0x20), 0x01, "OCW2 010: no operation");
	out(0x20, 0x63);			/* specific EOI of IRQ 3 */
	CHECK_EQ(isr(0x20), 0x01, "specific EOI of an idle level: nothing");
	CHECK_EQ(vmrun_pic_take_acked(&pic) & 0x08, 0,
		 "no ack reported for a level not in service");
	out(0x20, 0x20);
	CHECK_EQ(isr(0x20), 0, "non-specific EOI with rotated priorities");
}

static void test_poll_and_ocw3(void)
{
	linux_init(false);
	pulse(5);
	pulse(3);
	CHECK_EQ(in(0x20), 0x28, "OCW3 0x0a: read IRR");
	out(0x20, 0x0b);
	CHECK_EQ(in(0x20), 0x00, "OCW3 0x0b: read ISR");
	CHECK_EQ(in(0x21), 0x00, "port 0x21 reads the IMR whatever OCW3 says");
	out(0x20, 0x0c);			/* poll */
	CHECK_EQ(in(0x20), 0x83, "poll: 0x80 | highest level (3)");
	CHECK_EQ(in(0x20), 0x08,
		 "poll is one read; ISR select still on: IRQ 3 in service");
	out(0x20, 0x0a);
	CHECK_EQ(in(0x20), 0x20, "poll acted as INTA: IRQ 3 request gone");
	out(0x20, 0x0c);
	CHECK_EQ(in(0x21), 0x07,
		 "poll read via 0x21: IRQ 5 not above IRQ 3 in service: none");
	out(0x20, 0x20);
	out(0x20, 0x0c);
	CHECK_EQ(in(0x20), 0x85, "poll after EOI: IRQ 5");
	out(0x20, 0x20);
	out(0x20, 0x0c);
	CHECK_EQ(in(0x20), 0x07, "poll with no request: bit 7 clear");

	/* Special mask mode. */
	linux_init(false);
	pulse(3);
	vmrun_pic_intack(&pic);
	pulse(5);
	CHECK(!vmrun_pic_output(&pic), "IRQ 5 held back by IRQ 3 in service");
	out(0x21, 0x08);
	CHECK(!vmrun_pic_output(&pic),
	      "masking IRQ 3 alone does not release IRQ 5");
	out(0x20, 0x68);			/* ESMM + SMM */
	CHECK(vmrun_pic_output(&pic),
	      "special mask mode: masked in-service IRQ 3 no longer blocks");
	CHECK_EQ(vmrun_pic_intack(&pic), 0x35, "SMM: IRQ 5 taken");
	out(0x20, 0x48);			/* ESMM, SMM clear */
	CHECK_EQ(state(KVM_IRQCHIP_PIC_MASTER).special_mask, 0,
		 "OCW3 0x48 resets special mask mode");
	out(0x20, 0x28);			/* SMM without ESMM */
	CHECK_EQ(state(KVM_IRQCHIP_PIC_MASTER).special_mask, 0,
		 "SMM without ESMM is ignored");
}

static void test_level_elcr(void)
{
	linux_init(false);
	out(0x4d1, 0x04);			/* IRQ 10 level */
	CHECK_EQ(vmrun_pic_set_pin(&pic, 10, true), 1, "level IRQ 10 asserted");
	CHECK_EQ(vmrun_pic_set_pin(&pic, 10, true), 0,
		 "level already requested: 0");
	CHECK_EQ(vmrun_pic_intack(&pic), 0x3a, "level IRQ 10 vector");
	CHECK_EQ(in(0xa0) & 0x04, 0x04,
		 "INTA leaves a level request in IRR");
	CHECK(!vmrun_pic_output(&pic), "but ISR holds it back");
	linux_eoi(10);
	CHECK_EQ(vmrun_pic_take_acked(&pic), (1U << 10) | (1U << 2),
		 "EOI of level IRQ 10 reported for resampling");
	CHECK(vmrun_pic_output(&pic),
	      "EOI with the line still high: requested again");
	vmrun_pic_set_pin(&pic, 10, false);
	CHECK_EQ(in(0xa0) & 0x04, 0, "level line low clears the request");
	CHECK(!vmrun_pic_output(&pic), "and INT drops");

	out(0x4d1, 0x20);			/* IRQ 13 cannot be level */
	pulse(13);
	CHECK_EQ(vmrun_pic_intack(&pic), 0x3d, "IRQ 13 stays edge (latched)");
	linux_eoi(13);

	/* ICW1 keeps level requests, drops edge ones. */
	out(0x4d0, 0x08);
	vmrun_pic_set_pin(&pic, 3, true);
	pulse(4);
	pulse(1);
	vmrun_pic_intack(&pic);
	vmrun_pic_take_acked(&pic);
	out(0x20, 0x11);
	CHECK_EQ(in(0x20), 0x08,
		 "ICW1: edge requests cleared, level IRQ 3 request kept");
	out(0x21, 0x30);
	out(0x21, 0x04);
	out(0x21, 0x01);
	CHECK_EQ(isr(0x20), 0, "ICW1 clears the ISR");
	CHECK_EQ(vmrun_pic_take_acked(&pic), 0x0002,
		 "and reports IRQ 1 as acked");
	CHECK_EQ(in(0x21), 0, "ICW1 clears the IMR");
	CHECK_EQ(vmrun_pic_intack(&pic), 0x33, "level IRQ 3 still delivered");
}

static void test_state(void)
{
	struct kvm_pic_state m, s, m2, s2, bad;
	struct vmrun_pic copy;

	linux_init(false);
	out(0x4d0, 0x20);
	out(0x4d1, 0x02);
	out(0x21, 0x40);
	vmrun_pic_set_pin(&pic, 5, true);
	vmrun_pic_set_pin(&pic, 9, true);	/* level */
	pulse(3);
	vmrun_pic_intack(&pic);
	out(0x20, 0xc6);
	out(0x20, 0x0b);
	m = state(KVM_IRQCHIP_PIC_MASTER);
	s = state(KVM_IRQCHIP_PIC_SLAVE);
	CHECK(m.elcr == 0x20 && s.elcr == 0x02 && s.elcr_mask == 0xde,
	      "state: ELCRs and masks");
	CHECK(m.isr == 0x04 && s.isr == 0x02, "state: ISRs after the INTA");
	CHECK(m.imr == 0x40 && m.read_reg_select == 1 && m.priority_add == 7,
	      "state: IMR, read select, priority");

	copy = pic;
	vmrun_pic_init(&pic);
	CHECK_EQ(vmrun_pic_set_state(&pic, KVM_IRQCHIP_PIC_MASTER, &m), 0,
		 "set master state");
	CHECK_EQ(vmrun_pic_set_state(&pic, KVM_IRQCHIP_PIC_SLAVE, &s), 0,
		 "set slave state");
	m2 = state(KVM_IRQCHIP_PIC_MASTER);
	s2 = state(KVM_IRQCHIP_PIC_SLAVE);
	CHECK(memcmp(&m, &m2, sizeof(m)) == 0, "master state round trip");
	CHECK(memcmp(&s, &s2, sizeof(s)) == 0, "slave state round trip");
	CHECK_EQ(vmrun_pic_output(&pic), vmrun_pic_output(&copy),
		 "restored INT output matches");
	CHECK_EQ(vmrun_pic_intack(&pic), vmrun_pic_intack(&copy),
		 "restored PIC acknowledges the same vector");

	bad = m;
	bad.init_state = 4;
	CHECK_EQ(vmrun_pic_set_state(&pic, KVM_IRQCHIP_PIC_MASTER, &bad),
		 -EINVAL, "init_state 4 refused");
	CHECK_EQ(vmrun_pic_set_state(&pic, 2, &m), -EINVAL,
		 "chip 2 (IOAPIC) refused");
	CHECK_EQ(vmrun_pic_get_state(&pic, 2, &bad), -EINVAL,
		 "get chip 2 refused");

	memset(&bad, 0, sizeof(bad));
	bad.elcr = 0xff;
	bad.elcr_mask = 0xff;
	bad.priority_add = 0x1b;
	bad.irq_base = 0x77;
	bad.auto_eoi = 5;
	bad.irr = 0x01;
	CHECK_EQ(vmrun_pic_set_state(&pic, KVM_IRQCHIP_PIC_SLAVE, &bad), 0,
		 "sanitisable slave state accepted");
	s2 = state(KVM_IRQCHIP_PIC_SLAVE);
	CHECK(s2.elcr_mask == 0xde && s2.elcr == 0xde,
	      "set_state: ELCR mask is the chip's, ELCR cut to it");
	CHECK(s2.priority_add == 3 && s2.irq_base == 0x70 && s2.auto_eoi == 1,
	      "set_state: priority 3 bits, base bits 7:3, flags 0/1");
	CHECK_EQ(state(KVM_IRQCHIP_PIC_MASTER).irr & 0x04, 0x04,
		 "set_state: slave request recomputes master IR2");
}

int main(void)
{
	test_init_sequences();
	test_ports();
	test_edge_and_priority();
	test_cascade();
	test_spurious();
	test_aeoi_and_rotation();
	test_poll_and_ocw3();
	test_level_elcr();
	test_state();
	return DONE();
}
