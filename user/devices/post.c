/*
 * POST port 0x80. Firmware writes its progress codes here; Linux also
 * writes to it as an I/O delay. The last code is kept (a read returns it)
 * and is shown if the guest crashes.
 */
#include <stdatomic.h>
#include <stdbool.h>

#include "devices.h"
#include "vm.h"

#define POST_PORT 0x80

static atomic_int last_code = -1;

static void post_io(void *opaque, uint16_t port, uint8_t *data, unsigned len,
		    bool is_write)
{
	if (is_write) {
		atomic_store(&last_code, data[0]);
		return;
	}
	int code = atomic_load(&last_code);
	for (unsigned i = 0; i < len; i++)
		data[i] = i ? 0xff : (code < 0 ? 0xff : code);
}

int post_last_code(void)
{
	return atomic_load(&last_code);
}

static void post_init(struct vm *vm)
{
	io_register(vm, POST_PORT, 1, post_io, NULL, "POST");
}

const struct device_type post_device = { "POST", post_init };
