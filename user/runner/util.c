/* Error reporting and I/O helpers. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

void (*cleanup_hook)(void);

static void vmsg(const char *fmt, va_list ap, int err)
{
	char buf[1024];
	int n = snprintf(buf, sizeof(buf), "vmrun: ");

	n += vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	if (err) {
		const char *name = strerrorname_np(err);

		n += snprintf(buf + n, sizeof(buf) - n, ": %s (%s)",
			      name ? name : "?", strerror(err));
	}
	if (n >= (int)sizeof(buf) - 1)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	/* One write, so that the line is not interleaved with guest output. */
	write_all(STDERR_FILENO, buf, n);
}

void note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap, 0);
	va_end(ap);
}

void die(int status, const char *fmt, ...)
{
	va_list ap;

	if (cleanup_hook)
		cleanup_hook();
	va_start(ap, fmt);
	vmsg(fmt, ap, 0);
	va_end(ap);
	exit(status);
}

void die_errno(int status, const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	if (cleanup_hook)
		cleanup_hook();
	va_start(ap, fmt);
	vmsg(fmt, ap, err);
	va_end(ap);
	exit(status);
}

int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= n;
	}
	return 0;
}

int pread_all(int fd, void *buf, size_t len, uint64_t off)
{
	char *p = buf;

	while (len) {
		ssize_t n = pread(fd, p, len, off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0) {
			errno = EIO;	/* file shrank under us */
			return -1;
		}
		p += n;
		len -= n;
		off += n;
	}
	return 0;
}
