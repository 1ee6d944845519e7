# Shortcuts for the commands in README.md, docs/development.md and
# BENCHMARKS.md. Go is all that is needed; `make` only saves typing.

GO ?= go
# Where the benchmark binaries and JSON reports go.
BENCH_OUT ?= bench-out
# The PostgreSQL server bench-postgres makes its fresh database on (and
# drops it after); SUPPLYHUB_BENCH_POSTGRES_URL is what the tool reads.
SUPPLYHUB_BENCH_POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable
# Extra flags for every bench run, e.g. BENCH_FLAGS=--baselines=false.
BENCH_FLAGS ?=

BENCH_MAX   = --orders 2000 --senders 8 --channels webhook,sftp,email,api --stored 100000
BENCH_PACED = --rate 50 --duration 20s --senders 8 --channels webhook,sftp,email,api --disk-probe

.PHONY: test bench bench-postgres bench-tools

# The README's test command. Set SUPPLYHUB_TEST_POSTGRES_URL to run the
# PostgreSQL tests too (they skip with a message without it).
test:
	$(GO) test ./...

# The daemon and the load tool are built once, so every run of a target
# measures the same binary (and `go run` does not rebuild between runs).
bench-tools:
	@mkdir -p $(BENCH_OUT)
	$(GO) build -o $(BENCH_OUT)/supplyhub ./cmd/supplyhub
	$(GO) build -o $(BENCH_OUT)/supplyhub-bench ./cmd/supplyhub-bench

# BENCHMARKS.md's main table, SQLite columns: as fast as 8 senders go,
# then paced at 50 orders/s.
bench: bench-tools
	$(BENCH_OUT)/supplyhub-bench --binary $(BENCH_OUT)/supplyhub --db sqlite $(BENCH_MAX) \
		--json-out $(BENCH_OUT)/sqlite-max.json $(BENCH_FLAGS)
	$(BENCH_OUT)/supplyhub-bench --binary $(BENCH_OUT)/supplyhub --db sqlite $(BENCH_PACED) \
		--json-out $(BENCH_OUT)/sqlite-paced.json $(BENCH_FLAGS)

# The same on PostgreSQL.
bench-postgres: bench-tools
	$(BENCH_OUT)/supplyhub-bench --binary $(BENCH_OUT)/supplyhub --db postgres --pg-url '$(SUPPLYHUB_BENCH_POSTGRES_URL)' \
		$(BENCH_MAX) --json-out $(BENCH_OUT)/postgres-max.json $(BENCH_FLAGS)
	$(BENCH_OUT)/supplyhub-bench --binary $(BENCH_OUT)/supplyhub --db postgres --pg-url '$(SUPPLYHUB_BENCH_POSTGRES_URL)' \
		$(BENCH_PACED) --json-out $(BENCH_OUT)/postgres-paced.json $(BENCH_FLAGS)
