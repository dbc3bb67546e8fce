# Testbed plan for make bench's VT-x part (tests/bench/run): the exit
# benchmark in the Bochs testbed, whose clock follows instructions
# (clock: sync=none), so the figures count instructions as -icount does.
tb_run_test exits 600 /testbed/extra/exits
