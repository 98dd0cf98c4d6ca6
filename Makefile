# eventyard: `make run` starts the server, `make test` runs the whole suite on both backends.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 4566
STORE  ?= sqlite:///./.eventyard/yard.db

.PHONY: run test install install-dev postgres bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

install: $(BIN)/python
	$(BIN)/python -m pip install -q -e .

install-dev: $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[dev]'

run: install
	$(BIN)/eventyard serve --host $(HOST) --port $(PORT) --store $(STORE)

# PostgreSQL server binaries (Debian's `postgresql`); the suite starts a throwaway cluster itself.
postgres:
	@scripts/pg-cluster ensure

# One throwaway PostgreSQL cluster for the whole run, shared by 4 pytest workers (most
# tests wait on servers, timers and sockets, so 4 workers overlap well on 2 cores);
# a module's tests stay on one worker so its servers start once per backend.
TEST_WORKERS ?= 4
test: install-dev postgres
	scripts/pg-cluster run -- $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadscope

# Side by side with moto and ministack: make bench WORKLOAD=eventbus-read BENCH_ARGS="--duration 10"
bench: install-dev
	$(BIN)/python -m benchmarks.run $(or $(WORKLOAD),eventbus-read) $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .eventyard .pytest_cache .hypothesis
