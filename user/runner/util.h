/* Small helpers shared by the runner and the devices. */
#ifndef VMRUN_UTIL_H
#define VMRUN_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define KiB(x) ((uint64_t)(x) << 10)
#define MiB(x) ((uint64_t)(x) << 20)
#define GiB(x) ((uint64_t)(x) << 30)

/* Exit statuses of vmrun (documented in Documentation/vmrun.1). */
enum {
	EXIT_OK = 0,		/* guest powered off or reset */
	EXIT_RUNTIME = 1,	/* a system call or ioctl failed */
	EXIT_CONFIG = 2,	/* bad command line or configuration */
	EXIT_CRASH = 3,		/* the guest crashed */
};

/* Print "vmrun: <message>" on stderr and exit with `status`. */
void die(int status, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 2, 3)));
/* Same, with ": ENAME (strerror text)" appended for the current errno. */
void die_errno(int status, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 2, 3)));
/* Print "vmrun: <message>" on stderr. */
void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Whole-buffer I/O that retries on EINTR and short transfers. */
int write_all(int fd, const void *buf, size_t len);
int pread_all(int fd, void *buf, size_t len, uint64_t off);

/* Hook run by die() and at exit, e.g. to restore the terminal. */
extern void (*cleanup_hook)(void);

#endif
