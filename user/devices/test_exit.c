/*
 * Test-exit port, for test guests (like QEMU's isa-debug-exit, but the
 * value is the status as is): an OUT of value v to the port, of any
 * width, ends vmrun with exit status v & 0xff. The port is 0xf4 unless
 * [test-exit] port says otherwise; "none" leaves the device out. Reads
 * return 0.
 */
#include <stdbool.h>

#include "devices.h"
#include "vm.h"

static void test_exit_io(void *opaque, uint16_t port, uint8_t *data,
			 unsigned len, bool is_write)
{
	struct vm *vm = opaque;

	if (!is_write) {
		for (unsigned i = 0; i < len; i++)
			data[i] = 0;
		return;
	}
	vm_request_exit(vm, data[0], "guest wrote %#x to the test-exit port %#x",
			data[0], port);
}

static void test_exit_init(struct vm *vm)
{
	if (vm->cfg->exit_port >= 0)
		io_register(vm, vm->cfg->exit_port, 1, test_exit_io, vm, "test-exit");
}

const struct device_type test_exit_device = { "test-exit", test_exit_init };
