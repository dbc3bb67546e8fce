/* The terminal side of the console: raw mode and input for the UART. */
#ifndef VMRUN_CONSOLE_H
#define VMRUN_CONSOLE_H

#include <stdbool.h>

struct vm;

/* Put the terminal in raw mode if the console is the terminal and stdin is one. */
void console_setup(struct vm *vm);
/* Restore the terminal (idempotent). */
void console_restore(void);
/* The fd to poll for input, or -1 when there is none (any more). */
int console_input_fd(void);
/* Read what is there and pass it on to the UART. false: user asked to quit. */
bool console_input(void);

#endif
