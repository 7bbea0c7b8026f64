# Nexconn Playground. `make run` serves the app in demo mode; `make test` runs every test.
PYTHON_VERSION := $(shell cat .python-version)
PYTHON ?= $(shell command -v python$(PYTHON_VERSION) || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# Two workers share the two cores; browser tests dominate the run time.
TEST_WORKERS ?= 2

.PHONY: run dev test lint format install simulator bench-relay lock check-deploy container-check

$(BIN)/.installed: requirements-dev.lock .python-version
	@$(PYTHON) -c 'import sys; want = tuple(map(int, "$(PYTHON_VERSION)".split("."))); \
		sys.exit(0 if sys.version_info[:2] == want else "Python $(PYTHON_VERSION) is needed (see .python-version); found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.lock
	@touch $@

install: $(BIN)/.installed

# A local .env with a fresh secret key, made once from .env.example.
.env:
	@sed -e "s/^SECRET_KEY=.*/SECRET_KEY=$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')/" \
		.env.example > .env
	@echo "Created .env (demo mode: no NEXCONN_API_KEY set)."

# `make run` serves the app as it is deployed: DEBUG off, static files collected and served
# by ServeStatic. `make dev` is the same with DEBUG on (error pages with tracebacks, static
# files read from the source folders), for development. Either wins over DEBUG in .env.
run: export DEBUG = false
dev: export DEBUG = true
run dev: install .env
	$(BIN)/python manage.py migrate --noinput
	$(if $(filter run,$@),$(BIN)/python manage.py collectstatic --noinput --verbosity 0)
	@echo ""
	@echo "  Nexconn Playground is at http://$(HOST):$(PORT)/  (Ctrl+C stops it)"
	@echo ""
	@# The task worker (studio jobs) runs beside the web server and stops with it.
	$(BIN)/python manage.py db_worker --interval 0.5 --no-reload --no-startup-delay & \
	trap 'kill $$! 2>/dev/null' EXIT INT TERM; \
	$(BIN)/uvicorn playground.asgi:application --host $(HOST) --port $(PORT) \
		--timeout-graceful-shutdown 2 --log-level warning

# Browser tests run in a pytest of their own: Playwright keeps an event loop running in the
# test thread for the rest of the session, which Django's async-safety check then trips on.
PYTEST := SECRET_KEY=tests-only-not-a-secret $(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile

# With PYTEST_ARGS (say -k sidebar) one of the two may select nothing (pytest exits 5).
test: install
	$(PYTEST) -m "not browser" $(PYTEST_ARGS) || [ $$? -eq 5 -a -n "$(PYTEST_ARGS)" ]
	$(PYTEST) -m browser $(PYTEST_ARGS) || [ $$? -eq 5 -a -n "$(PYTEST_ARGS)" ]

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The simulator alone, for trying the client or benchmarking: http://127.0.0.1:8001/v1/models
simulator: install
	$(BIN)/python -m playground.simulator --host 127.0.0.1 --port 8001

# N concurrent answers through the app against the same streams read from the simulator
# (bench/README.md). Options: make bench-relay BENCH_ARGS="--n 1 50 200 --tokens 100".
bench-relay: install
	$(BIN)/python -m bench.relay $(BENCH_ARGS)

check-deploy: install
	DEBUG=false SECRET_KEY=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))') \
	ALLOWED_HOSTS=playground.example.com SECURE_SSL_REDIRECT=true SECURE_HSTS_SECONDS=31536000 \
	SECURE_HSTS_INCLUDE_SUBDOMAINS=true SECURE_HSTS_PRELOAD=true SESSION_COOKIE_SECURE=true \
	CSRF_COOKIE_SECURE=true $(BIN)/python manage.py check --deploy --fail-level WARNING

# Build the image with podman, run migrate, web and the task worker against the local
# PostgreSQL and Redis, sign up, stream an answer, run an image job (scripts/container-check.sh).
container-check: install
	scripts/container-check.sh

# Re-pin every dependency from the ranges in pyproject.toml.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv && .lock-venv/bin/pip install --quiet --upgrade pip
	.lock-venv/bin/pip install --quiet $$($(PYTHON) -c 'import tomllib; print(" ".join(repr(d) for d in tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]))' | tr -d "'")
	.lock-venv/bin/pip freeze > requirements.lock
	.lock-venv/bin/pip install --quiet --group dev && .lock-venv/bin/pip freeze > requirements-dev.lock
	rm -rf .lock-venv
