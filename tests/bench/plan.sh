# Testbed plan for make bench (tests/bench/run): the exit benchmark, then
# the interrupt figures (in-kernel irqchip).
tb_run_test exits 300 /testbed/extra/exits
tb_run_test irqs 300 /testbed/extra/irqs
