# OneGo — the two commands of the README. Both set themselves up on a fresh Debian machine with Python 3.11.
PYTHON ?= python3
VENV   := .venv
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run prod test setup lint clean cluster

setup:
	@PYTHON=$(PYTHON) bash scripts/bootstrap.sh

run: setup
	@bash scripts/run.sh $(HOST) $(PORT)

# The production setup on this machine: gunicorn + task worker, DEBUG off (docs/deployment.md).
prod: setup
	@bash scripts/prod.sh $(HOST) $(PORT)

# Past one machine, locally (docs/deployment.md): PostgreSQL primary + streaming replica, Redis, WEB gunicorn
# processes, WORKERS RQ workers. `make cluster WEB=4 WORKERS=2`; the load test and the surge run against it.
cluster: setup
	@bash scripts/cluster.sh $(HOST) $(PORT)

test: setup
	@bash scripts/test.sh

lint: setup
	@bash scripts/lint.sh

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache test-artifacts
