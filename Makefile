# eventyard: `make run` starts the server, `make test` runs the whole suite on both backends.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: run test install install-dev postgres test-tools screenshots bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# eventyard, and boto3 and the AWS CLI to talk to it (the README's examples use them)
install: $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[clients]'

install-dev: $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[dev]'

# No flags here: every setting comes from its EVENTYARD_* environment variable
# (README, `eventyard serve`), e.g. `EVENTYARD_PORT=4567 make run`.
run: install
	$(BIN)/eventyard serve

# PostgreSQL server binaries (Debian's `postgresql`); the suite starts a throwaway cluster itself.
postgres:
	@scripts/pg-cluster ensure

# Chromium (browser tests) and AWS CLI v2 (`aws logs tail`), from Debian's packages when missing
test-tools:
	@scripts/test-tools

# One throwaway PostgreSQL cluster for the whole run, shared by 4 pytest workers (most
# tests wait on servers, timers and sockets, so 4 workers overlap well on 2 cores);
# a module's tests stay on one worker so its servers start once per backend. Modules are
# handed out in collection order (tests/conftest.py puts the longest first), not by their
# number of tests, which left the one-test Terraform modules of minutes to the very end.
TEST_WORKERS ?= 4
test: install-dev postgres test-tools
	scripts/pg-cluster run -- $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadscope --no-loadscope-reorder

# Light and dark screenshots of the console's main pages, written to docs/screenshots/console/
screenshots: install-dev test-tools
	EVENTYARD_TEST_ARTIFACTS=docs/screenshots $(BIN)/python -m pytest -q -p no:cacheprovider \
		tests/console/test_console_browser.py -k "light_and_dark and sqlite"

# Every workload side by side with moto and ministack, with the cheap and the boto3 client, short
# sizes (benchmarks/README.md): make bench; the full sizes: make bench BENCH_ARGS=--full;
# one workload: make bench WORKLOAD=sqs BENCH_ARGS="--clients cheap --systems eventyard"
bench: install-dev
	$(BIN)/python -m benchmarks.suite $(if $(WORKLOAD),--workloads $(WORKLOAD)) $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .eventyard .pytest_cache .hypothesis .mypy_cache
