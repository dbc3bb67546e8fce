/*
 * Console input. With `console = terminal`, what is typed goes to the
 * guest's serial port; on a terminal, that is in raw mode (Ctrl-C goes to
 * the guest too) and Ctrl-A x quits vmrun, Ctrl-A Ctrl-A sends a Ctrl-A.
 * When stdin is not a terminal its bytes are passed on as they are, up to
 * end of file.
 */
#include <errno.h>
#include <stdint.h>
#include <termios.h>
#include <unistd.h>

#include "config.h"
#include "console.h"
#include "devices.h"
#include "util.h"
#include "vm.h"

#define CTRL_A 0x01

static struct termios saved;
static bool raw, escape;
static int in_fd = -1;

void console_restore(void)
{
	if (raw) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
		raw = false;
	}
}

void console_setup(struct vm *vm)
{
	struct termios t;

	if (vm->cfg->console != CONSOLE_TERMINAL)
		return;
	in_fd = STDIN_FILENO;
	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved) < 0)
		return;
	t = saved;
	t.c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
	t.c_lflag &= ~(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &t) == 0)
		raw = true;
}

int console_input_fd(void)
{
	return in_fd;
}

bool console_input(void)
{
	uint8_t buf[256], out[256];
	size_t room = uart_input_room(), n_out = 0;
	ssize_t n;

	if (room > sizeof(buf))
		room = sizeof(buf);
	if (!room)
		return true;
	n = read(in_fd, buf, room);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0) {
		in_fd = -1;	/* end of input: the guest just gets no more */
		return true;
	}
	for (ssize_t i = 0; i < n; i++) {
		if (raw && escape) {
			escape = false;
			if (buf[i] == 'x')
				return false;
			if (buf[i] != CTRL_A)
				continue;
		} else if (raw && buf[i] == CTRL_A) {
			escape = true;
			continue;
		}
		out[n_out++] = buf[i];
	}
	uart_input(out, n_out);
	return true;
}
