/*
 * i8042 keyboard controller: data port 0x60, status/command port 0x64.
 *
 * Enough of the controller for Linux's i8042 driver and for the reset
 * line: the command byte, self tests, the output port (bit 0 low resets
 * the machine, and so does command 0xfe, "pulse reset"), and a keyboard
 * that acknowledges every command but never has a key to send. There is
 * no mouse: the AUX loop-back command returns 0 rather than its byte and
 * the AUX interface test reports the clock line stuck, so Linux gives up
 * on the AUX port at once instead of waiting for timeouts.
 * A reset ends vmrun with status 0.
 */
#include <pthread.h>
#include <stdbool.h>

#include "devices.h"
#include "vm.h"

#define DATA_PORT	0x60
#define CMD_PORT	0x64

#define STS_OBF		0x01	/* output buffer full */
#define STS_SYS		0x04	/* system flag: self test passed */
#define STS_CMD		0x08	/* last write was to the command port */
#define STS_UNLOCKED	0x10	/* keyboard not inhibited (no keylock) */
#define STS_AUXDATA	0x20	/* the output buffer holds AUX data */

#define CTR_KBD_INT	0x01
#define CTR_AUX_INT	0x02
#define CTR_SYS		0x04
#define CTR_KBD_DIS	0x10
#define CTR_AUX_DIS	0x20
#define CTR_XLATE	0x40

#define OUTQ_SIZE 8
#define AUX_BYTE 0x100

static struct i8042 {
	pthread_mutex_t lock;
	struct vm *vm;
	uint8_t ctr;		/* controller command byte */
	uint8_t status;
	uint8_t pending;	/* command waiting for its data byte, or 0 */
	uint16_t outq[OUTQ_SIZE];	/* bytes, | AUX_BYTE for AUX data */
	unsigned out_head, out_count;
	int irq_level[2];	/* keyboard, AUX */
} kbc = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void update_irq(struct i8042 *k)
{
	bool aux = k->out_count && (k->outq[k->out_head] & AUX_BYTE);
	int level[2] = {
		k->out_count && !aux && (k->ctr & CTR_KBD_INT),
		aux && (k->ctr & CTR_AUX_INT),
	};
	static const unsigned irq[2] = { IRQ_KEYBOARD, IRQ_AUX };

	for (int i = 0; i < 2; i++) {
		if (level[i] != k->irq_level[i]) {
			k->irq_level[i] = level[i];
			vm_irq_line(k->vm, irq[i], level[i]);
		}
	}
}

static void reply(struct i8042 *k, uint16_t byte)
{
	if (k->out_count < OUTQ_SIZE)
		k->outq[(k->out_head + k->out_count++) % OUTQ_SIZE] = byte;
}

static void reset_machine(struct i8042 *k, const char *how)
{
	vm_request_exit(k->vm, 0, "guest reset (i8042 %s)", how);
}

/* A byte for the keyboard itself: acknowledge, answer the few queries. */
static void keyboard_command(struct i8042 *k, uint8_t cmd)
{
	switch (cmd) {
	case 0xee:		/* echo */
		reply(k, 0xee);
		break;
	case 0xf2:		/* identify: MF2 keyboard */
		reply(k, 0xfa);
		reply(k, 0xab);
		reply(k, 0x83);
		break;
	case 0xff:		/* reset: ack, then self test passed */
		reply(k, 0xfa);
		reply(k, 0xaa);
		break;
	default:		/* LEDs, rates, scan sets, arguments: ack */
		reply(k, 0xfa);
		break;
	}
}

static void controller_command(struct i8042 *k, uint8_t cmd)
{
	switch (cmd) {
	case 0x20:		/* read command byte */
		reply(k, k->ctr);
		break;
	case 0x60:		/* write command byte: data follows */
	case 0xd1:		/* write output port: data follows */
	case 0xd2:		/* write keyboard output buffer: data follows */
	case 0xd3:		/* write AUX output buffer: data follows */
	case 0xd4:		/* write to AUX device: data follows */
		k->pending = cmd;
		break;
	case 0xa7:		/* disable AUX */
		k->ctr |= CTR_AUX_DIS;
		break;
	case 0xa8:		/* enable AUX */
		k->ctr &= ~CTR_AUX_DIS;
		break;
	case 0xa9:		/* test AUX interface: clock line stuck low */
		reply(k, 0x01);
		break;
	case 0xaa:		/* controller self test: passed */
		k->status |= STS_SYS;
		reply(k, 0x55);
		break;
	case 0xab:		/* test keyboard interface: no error */
		reply(k, 0x00);
		break;
	case 0xad:		/* disable keyboard */
		k->ctr |= CTR_KBD_DIS;
		break;
	case 0xae:		/* enable keyboard */
		k->ctr &= ~CTR_KBD_DIS;
		break;
	case 0xc0:		/* read input port */
		reply(k, 0x00);
		break;
	case 0xd0:		/* read output port: reset line high, A20 on */
		reply(k, 0x03);
		break;
	default:
		/* 0xf0-0xff pulse output lines for 6 us; bit 0 clear: reset */
		if ((cmd & 0xf0) == 0xf0 && !(cmd & 1))
			reset_machine(k, "pulse reset");
		break;
	}
}

static void data_write(struct i8042 *k, uint8_t v)
{
	uint8_t cmd = k->pending;

	k->pending = 0;
	switch (cmd) {
	case 0x60:
		k->ctr = v;
		break;
	case 0xd1:
		if (!(v & 1))
			reset_machine(k, "output port");
		break;
	case 0xd2:
		reply(k, v);
		break;
	case 0xd3:		/* AUX loop-back: no mouse port, so not v */
		reply(k, AUX_BYTE | 0x00);
		break;
	case 0xd4:		/* to the mouse: there is none */
		break;
	default:
		keyboard_command(k, v);
		break;
	}
}

static void i8042_io(void *opaque, uint16_t port, uint8_t *data, unsigned len,
		     bool is_write)
{
	struct i8042 *k = opaque;

	pthread_mutex_lock(&k->lock);
	if (port == CMD_PORT) {
		if (is_write) {
			k->status |= STS_CMD;
			k->pending = 0;
			controller_command(k, data[0]);
		} else {
			data[0] = k->status;
			if (k->out_count)
				data[0] |= STS_OBF |
					   (k->outq[k->out_head] & AUX_BYTE ? STS_AUXDATA : 0);
		}
	} else {
		if (is_write) {
			k->status &= ~STS_CMD;
			data_write(k, data[0]);
		} else if (k->out_count) {
			data[0] = (uint8_t)k->outq[k->out_head];
			k->out_head = (k->out_head + 1) % OUTQ_SIZE;
			k->out_count--;
		} else {
			data[0] = 0;
		}
	}
	for (unsigned i = 1; i < len; i++)
		if (!is_write)
			data[i] = 0xff;
	update_irq(k);
	pthread_mutex_unlock(&k->lock);
}

static void i8042_init(struct vm *vm)
{
	kbc.vm = vm;
	kbc.ctr = CTR_KBD_INT | CTR_SYS | CTR_AUX_DIS | CTR_XLATE;
	kbc.status = STS_SYS | STS_UNLOCKED;
	io_register(vm, DATA_PORT, 1, i8042_io, &kbc, "i8042");
	io_register(vm, CMD_PORT, 1, i8042_io, &kbc, "i8042");
}

const struct device_type i8042_device = { "i8042", i8042_init };
