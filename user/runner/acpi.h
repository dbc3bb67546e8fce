/* ACPI tables for a direct Linux boot (acpi.c) and their PM ports. */
#ifndef VMRUN_ACPI_H
#define VMRUN_ACPI_H

#include <stdint.h>

struct vm;

#define ACPI_BASE		0xe0000	/* tables, in the reserved BIOS area */
#define ACPI_PM_BASE		0x600	/* PM1a_EVT, +4 PM1a_CNT, +8 PM_TMR */
#define ACPI_PM_LEN		12
#define ACPI_SCI_IRQ		9
#define ACPI_SLP_TYP_S5		5	/* \_S5 sleep type: soft off */

/* Write the tables into guest RAM; returns the RSDP's address. */
uint64_t acpi_setup(struct vm *vm);

#endif
