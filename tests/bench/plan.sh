# Testbed plan for make bench (tests/bench/run): the exit benchmark only.
tb_run_test exits 300 /testbed/extra/exits
