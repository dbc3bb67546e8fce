# Testbed plan for make bench (tests/bench/run): the exit benchmark, then
# the interrupt figures (in-kernel irqchip), then the start, footprint and
# boot figures (startup-guest: nested boots of Debian's kernel; guest
# seconds under -icount, hence the long timeout).
tb_run_test exits 300 /testbed/extra/exits
tb_run_test irqs 300 /testbed/extra/irqs
tb_run_test startup 1500 /testbed/extra/startup/startup-guest
