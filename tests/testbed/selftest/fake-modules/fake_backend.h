/* SPDX-License-Identifier: GPL-2.0 */
/* Placeholder backend module body; FAKE_BACKEND names it. */
#include <linux/module.h>

int vmrun_fake_register_backend(const char *name);
void vmrun_fake_unregister_backend(void);

static int __init fake_backend_init(void)
{
	return vmrun_fake_register_backend(FAKE_BACKEND);
}

static void __exit fake_backend_exit(void)
{
	vmrun_fake_unregister_backend();
}

module_init(fake_backend_init);
module_exit(fake_backend_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("testbed self-test placeholder backend " FAKE_BACKEND);
