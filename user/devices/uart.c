/*
 * 16550A UART as COM1: ports 0x3f8-0x3ff, IRQ 4. The console.
 *
 * Transmission is instant: a byte written to THR goes straight to the
 * output (terminal or file), so THR and the transmitter are always empty.
 * Received bytes (typed on the terminal) wait in a FIFO. Interrupts are
 * computed from IER and the state, by 16550 priority, and reach IRQ 4
 * when MCR.OUT2 is set, as on a PC. Loopback mode (MCR bit 4) is honoured.
 */
#include <pthread.h>
#include <stdbool.h>
#include <unistd.h>

#include "devices.h"
#include "util.h"
#include "vm.h"

#define COM1_BASE 0x3f8

/* Register offsets. */
enum { RBR_THR_DLL, IER_DLM, IIR_FCR, LCR, MCR, LSR, MSR, SCR };

#define IER_RDI		0x01	/* received data available */
#define IER_THRI	0x02	/* transmitter holding register empty */
#define IER_RLSI	0x04	/* receiver line status */
#define IER_MSI		0x08	/* modem status */

#define IIR_NO_INT	0x01
#define IIR_MSI		0x00
#define IIR_THRI	0x02
#define IIR_RDI		0x04
#define IIR_RLSI	0x06
#define IIR_FIFO_ON	0xc0

#define FCR_ENABLE	0x01
#define FCR_CLEAR_RX	0x02

#define LCR_DLAB	0x80

#define MCR_DTR		0x01
#define MCR_RTS		0x02
#define MCR_OUT1	0x04
#define MCR_OUT2	0x08
#define MCR_LOOP	0x10

#define LSR_DR		0x01
#define LSR_OE		0x02
#define LSR_THRE	0x20
#define LSR_TEMT	0x40

#define MSR_DCTS	0x01
#define MSR_DDSR	0x02
#define MSR_TERI	0x04
#define MSR_DDCD	0x08
#define MSR_CTS		0x10
#define MSR_DSR		0x20
#define MSR_RI		0x40
#define MSR_DCD		0x80
#define MSR_DELTAS	0x0f

#define RX_SIZE 256	/* beyond the 16550's 16 bytes: the host side buffers */

static struct uart {
	pthread_mutex_t lock;
	struct vm *vm;
	int out_fd;			/* -1: output is dropped */
	uint8_t ier, lcr, mcr, msr, scr, fcr, dll, dlm;
	bool overrun;
	bool thr_ipending;		/* THRE interrupt not yet acknowledged */
	int irq_level;
	uint8_t rx[RX_SIZE];
	unsigned rx_head, rx_count;
} uart = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* The highest-priority pending interrupt, as IIR reports it. */
static uint8_t pending_iir(const struct uart *u)
{
	if ((u->ier & IER_RLSI) && u->overrun)
		return IIR_RLSI;
	if ((u->ier & IER_RDI) && u->rx_count)
		return IIR_RDI;
	if ((u->ier & IER_THRI) && u->thr_ipending)
		return IIR_THRI;
	if ((u->ier & IER_MSI) && (u->msr & MSR_DELTAS))
		return IIR_MSI;
	return IIR_NO_INT;
}

static void update_irq(struct uart *u)
{
	int level = pending_iir(u) != IIR_NO_INT && (u->mcr & MCR_OUT2);

	if (level != u->irq_level) {
		u->irq_level = level;
		vm_irq_line(u->vm, IRQ_COM1, level);
	}
}

static void rx_push(struct uart *u, uint8_t c)
{
	if (u->rx_count == RX_SIZE) {
		u->overrun = true;
		return;
	}
	u->rx[(u->rx_head + u->rx_count++) % RX_SIZE] = c;
}

/* Modem status lines: from MCR in loopback, else a ready modem. */
static void set_modem_lines(struct uart *u)
{
	uint8_t lines;

	if (u->mcr & MCR_LOOP)
		lines = (u->mcr & MCR_RTS ? MSR_CTS : 0) |
			(u->mcr & MCR_DTR ? MSR_DSR : 0) |
			(u->mcr & MCR_OUT1 ? MSR_RI : 0) |
			(u->mcr & MCR_OUT2 ? MSR_DCD : 0);
	else
		lines = MSR_DCD | MSR_DSR | MSR_CTS;

	uint8_t changed = (u->msr ^ lines) & 0xf0;
	uint8_t deltas = (changed & MSR_CTS ? MSR_DCTS : 0) |
			 (changed & MSR_DSR ? MSR_DDSR : 0) |
			 (changed & MSR_DCD ? MSR_DDCD : 0) |
			 ((u->msr & MSR_RI) && !(lines & MSR_RI) ? MSR_TERI : 0);
	u->msr = lines | (u->msr & MSR_DELTAS) | deltas;
}

static void transmit(struct uart *u, uint8_t c)
{
	if (u->mcr & MCR_LOOP)
		rx_push(u, c);
	else if (u->out_fd >= 0 && write_all(u->out_fd, &c, 1) < 0)
		u->out_fd = -1;		/* e.g. the reader went away: drop output */
	u->thr_ipending = true;		/* THR is empty again at once */
}

static uint8_t uart_read(struct uart *u, unsigned reg)
{
	uint8_t v;

	switch (reg) {
	case RBR_THR_DLL:
		if (u->lcr & LCR_DLAB)
			return u->dll;
		if (!u->rx_count)
			return 0;
		v = u->rx[u->rx_head];
		u->rx_head = (u->rx_head + 1) % RX_SIZE;
		u->rx_count--;
		return v;
	case IER_DLM:
		return u->lcr & LCR_DLAB ? u->dlm : u->ier;
	case IIR_FCR:
		v = pending_iir(u);
		if (v == IIR_THRI)
			u->thr_ipending = false;	/* reading IIR acknowledges it */
		return v | (u->fcr & FCR_ENABLE ? IIR_FIFO_ON : 0);
	case LCR:
		return u->lcr;
	case MCR:
		return u->mcr;
	case LSR:
		v = LSR_THRE | LSR_TEMT | (u->rx_count ? LSR_DR : 0) |
		    (u->overrun ? LSR_OE : 0);
		u->overrun = false;
		return v;
	case MSR:
		v = u->msr;
		u->msr &= ~MSR_DELTAS;
		return v;
	default:
		return u->scr;
	}
}

static void uart_write(struct uart *u, unsigned reg, uint8_t v)
{
	switch (reg) {
	case RBR_THR_DLL:
		if (u->lcr & LCR_DLAB)
			u->dll = v;
		else
			transmit(u, v);
		break;
	case IER_DLM:
		if (u->lcr & LCR_DLAB) {
			u->dlm = v;
			break;
		}
		/* Enabling THRI while THR is empty raises it (Linux tests this). */
		if ((v & IER_THRI) && !(u->ier & IER_THRI))
			u->thr_ipending = true;
		u->ier = v & 0x0f;
		break;
	case IIR_FCR:
		if (v & FCR_CLEAR_RX)
			u->rx_head = u->rx_count = 0;
		u->fcr = v & 0xc9;	/* enable, DMA mode, trigger level */
		break;
	case LCR:
		u->lcr = v;
		break;
	case MCR:
		u->mcr = v & 0x1f;
		set_modem_lines(u);
		break;
	case SCR:
		u->scr = v;
		break;
	}
}

static void uart_io(void *opaque, uint16_t port, uint8_t *data, unsigned len,
		    bool is_write)
{
	struct uart *u = opaque;

	pthread_mutex_lock(&u->lock);
	/* A wider access touches consecutive registers, one byte each. */
	for (unsigned i = 0; i < len; i++) {
		unsigned reg = (port + i - COM1_BASE) & 7;

		if (is_write)
			uart_write(u, reg, data[i]);
		else
			data[i] = uart_read(u, reg);
	}
	update_irq(u);
	pthread_mutex_unlock(&u->lock);
}

size_t uart_input_room(void)
{
	pthread_mutex_lock(&uart.lock);
	size_t room = RX_SIZE - uart.rx_count;
	pthread_mutex_unlock(&uart.lock);
	return room;
}

void uart_input(const uint8_t *buf, size_t len)
{
	pthread_mutex_lock(&uart.lock);
	if (!(uart.mcr & MCR_LOOP))	/* in loopback the line is cut */
		for (size_t i = 0; i < len; i++)
			rx_push(&uart, buf[i]);
	update_irq(&uart);
	pthread_mutex_unlock(&uart.lock);
}

static void uart_init(struct vm *vm)
{
	const struct config *cfg = vm->cfg;

	uart.vm = vm;
	uart.out_fd = cfg->console == CONSOLE_TERMINAL ? STDOUT_FILENO
		    : cfg->console == CONSOLE_FILE ? cfg->console_fd : -1;
	uart.lcr = 0x03;	/* 8N1 */
	uart.dll = 0x0c;	/* 9600 baud, as after a BIOS */
	set_modem_lines(&uart);
	uart.msr &= ~MSR_DELTAS;
	io_register(vm, COM1_BASE, 8, uart_io, &uart, "serial");
}

const struct device_type uart_device = { "serial", uart_init };
