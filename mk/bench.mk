# Deterministic measurements (tools/bench.py): boots the bench runs under QEMU with
# `-icount shift=0,sleep=off` (1 instruction = 1 virtual ns), prints a table and writes
# build/bench/results.json. Figures that miss their target are reported, never failed on. Guest
# benchmarks boot VM configs from dts/ (bench*.dts, test-channels.dts), so the guests are built
# first.
#   make bench                 every benchmark once
#   make bench BENCH_ARGS='--repeat 2'   and check the figures are identical run to run
BENCH_PY ?= /usr/bin/python3
BENCH_ARGS ?=

bench: $(B)/skiff.bin guests | $(SETUP)
	$(BENCH_PY) tools/bench.py --board $(BOARD) --qemu $(QEMU) \
		--out build/bench/results.json $(BENCH_ARGS)
