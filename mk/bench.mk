# Benchmarks (not part of `make test`): scale, DuckDB reference, incremental cost, query cost.
#   make bench                        # 10k, 100k and 1M orders: about 24 minutes on 2 cores
#                                     # (docs/performance.md); SIZES=10000,100000 takes about 11
#   make bench SIZES=10000,100000     # fewer/other sizes
#   make bench BENCH_ARGS="--label tuned --spark-conf spark.sql.shuffle.partitions=2"
# Writes benchmarks/results/<timestamp>.json and benchmarks/results/latest.md.
.PHONY: bench
SIZES ?= 10000,100000,1000000
BENCH_ARGS ?=

bench: $(STAMP) java-check ## Benchmarks: throughput at 10k/100k/1M orders, incremental, query cost (SIZES=...)
	$(BIN)/python benchmarks/run.py --sizes $(SIZES) $(BENCH_ARGS)
