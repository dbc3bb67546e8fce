/*
 * The slow-path devices: one file each, all listed in device_table[]
 * (table.c). A device's init() looks at the configuration, allocates its
 * state and registers its I/O ports with io_register(). The handlers run
 * on vCPU threads (and the UART's input side on the main thread), so each
 * device serializes access to its state with its own mutex.
 */
#ifndef VMRUN_DEVICES_H
#define VMRUN_DEVICES_H

#include <stddef.h>
#include <stdint.h>

struct vm;

struct device_type {
	const char *name;
	void (*init)(struct vm *vm);
};

extern const struct device_type *const device_table[];

/* Initialize every device of device_table[], in order. */
void devices_init(struct vm *vm);

/* ISA interrupt lines. */
#define IRQ_KEYBOARD	1
#define IRQ_COM1	4
#define IRQ_RTC		8
#define IRQ_AUX		12

/* UART (COM1): hand it bytes typed on the terminal. */
size_t uart_input_room(void);
void uart_input(const uint8_t *buf, size_t len);

/* POST port: last code written to port 0x80, or -1 if none yet. */
int post_last_code(void);

/*
 * PCI: add function `devfn` on bus 0 (before vm_start). `config` is its
 * 256-byte configuration space, which the PCI bus reads and writes from
 * then on (under its own lock); the guest may write the bits set in
 * `wmask`. pci_init() adds the host bridge, 00:00.0.
 */
void pci_add_function(unsigned devfn, uint8_t *config, const uint8_t *wmask);

/* fw_cfg: items and files for the firmware (data must stay valid). */
void fw_cfg_add_item(uint16_t key, const void *data, uint32_t size);
void fw_cfg_add_file(const char *name, const void *data, uint32_t size);

#endif
