# Crowdwise — `make run` and `make test` work on a fresh Debian machine with
# only Go installed: PostgreSQL (and Chromium for browser tests) are installed
# when missing and run as project-local clusters on 127.0.0.1.

SHELL        := /bin/bash
.DEFAULT_GOAL := run

VERSION      ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS      := -s -w -X main.version=$(VERSION)
BIN          := bin/crowdwise

PG_PORT      ?= 54329
PG_DIR       ?= $(CURDIR)/.data/pg
PG_TEST_PORT ?= 54339
PG_TEST_DIR  ?= $(CURDIR)/.data/pgtest
DEV_DATABASE_URL  := postgres://postgres@127.0.0.1:$(PG_PORT)/crowdwise?sslmode=disable
TEST_DATABASE_URL := postgres://postgres@127.0.0.1:$(PG_TEST_PORT)/postgres?sslmode=disable
export DEBIAN_FRONTEND := noninteractive
APT          := apt-get install -y -o DPkg::Lock::Timeout=180 --no-install-recommends

# pg_cluster <start|stop> <dir> <port> [fresh]: a private cluster owned by the
# postgres user when we are root (initdb refuses root), TCP on 127.0.0.1 only.
define PG_CLUSTER
set -euo pipefail
action=$$1 dir=$$2 port=$$3 fresh=$${4:-}
bin=$$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
as=()
if [ "$$(id -u)" = 0 ]; then
  as=(runuser -u postgres --)
  # A checkout under a private home folder is out of the postgres user's reach.
  mkdir -p "$$(dirname "$$dir")"
  runuser -u postgres -- test -x "$$(dirname "$$dir")" || dir=/var/tmp/crowdwise-pg-$$port
fi
if [ "$$action" = stop ]; then
  [ -f "$$dir/postmaster.pid" ] && "$${as[@]}" "$$bin/pg_ctl" -D "$$dir" -m fast -w stop >/dev/null || true
  [ -n "$$fresh" ] && rm -rf "$$dir"
  exit 0
fi
[ -n "$$fresh" ] && { [ -f "$$dir/postmaster.pid" ] && "$${as[@]}" "$$bin/pg_ctl" -D "$$dir" -m immediate -w stop >/dev/null 2>&1 || true; rm -rf "$$dir"; }
mkdir -p "$$dir"
if [ "$$(id -u)" = 0 ]; then
  chown postgres:postgres "$$dir"; chmod 700 "$$dir"
fi
if [ ! -f "$$dir/PG_VERSION" ]; then
  "$${as[@]}" "$$bin/initdb" -D "$$dir" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
fi
if ! "$${as[@]}" "$$bin/pg_ctl" -D "$$dir" status >/dev/null 2>&1; then
  opts="-c listen_addresses=127.0.0.1 -p $$port -c unix_socket_directories= -c max_connections=300"
  [ -n "$$fresh" ] && opts="$$opts -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  "$${as[@]}" "$$bin/pg_ctl" -D "$$dir" -l "$$dir/server.log" -w -t 60 -o "$$opts" start >/dev/null
fi
endef
export PG_CLUSTER

.PHONY: run build test lint bench db-up db-down db-reset deps-pg deps-chromium deps-wrk clean

## run: start a local PostgreSQL (unless DATABASE_URL is set), migrate, seed demo data, serve on :8080 with dev sign-in
run: build
ifeq ($(strip $(DATABASE_URL)),)
	@$(MAKE) --no-print-directory db-up
	@export DATABASE_URL='$(DEV_DATABASE_URL)' CROWDWISE_DEV_LOGIN=true CROWDWISE_FX="$${CROWDWISE_FX-EUR=1.08}"; \
	  ./$(BIN) migrate && ./$(BIN) seed --demo && exec ./$(BIN) serve
else
	@export CROWDWISE_DEV_LOGIN=true CROWDWISE_FX="$${CROWDWISE_FX-EUR=1.08}"; ./$(BIN) migrate && ./$(BIN) seed --demo && exec ./$(BIN) serve
endif

## build: compile the single binary into bin/
build:
	go build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/crowdwise

## test: unit, integration (real PostgreSQL) and browser end-to-end tests, with the race detector
test: deps-pg deps-chromium
	@bash -c "$$PG_CLUSTER" pg start '$(PG_TEST_DIR)' $(PG_TEST_PORT) fresh
	@rc=0; TEST_DATABASE_URL='$(TEST_DATABASE_URL)' ARTIFACTS_DIR='$(CURDIR)/artifacts' go test -race -count=1 -timeout 40m ./... || rc=$$?; \
	  bash -c "$$PG_CLUSTER" pg stop '$(PG_TEST_DIR)' $(PG_TEST_PORT) fresh; exit $$rc

## lint: go vet and staticcheck
lint:
	go vet ./...
	go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

## bench: load SCALE ideas (default 100000; 20x votes, 5x comments; SCALE=100000,1000000 runs each size and prints them side by side with the ratio) into a throwaway PostgreSQL on 127.0.0.1:54349, serve them and measure the hot endpoints with wrk against a bare-Echo ceiling; BENCH_PROCS=2 adds two processes behind a reverse proxy; results in .data/bench-results[-SCALE].json (BENCH_OUT)
bench: deps-pg deps-wrk build
	@dir='$(CURDIR)/.data/pgbench'; port=54349; \
	  url="postgres://postgres@127.0.0.1:$$port/crowdwise_bench?sslmode=disable"; \
	  trap 'bash -c "$$PG_CLUSTER" pg stop "$$dir" $$port fresh' EXIT; \
	  set -e; scales='$(or $(SCALE),100000)'; outs=; \
	  for scale in $${scales//,/ }; do \
	    out='$(or $(BENCH_OUT),$(CURDIR)/.data/bench-results.json)'; \
	    case "$$scales" in *,*) out="$${out%.json}-$$scale.json";; esac; \
	    bash -c "$$PG_CLUSTER" pg start "$$dir" $$port fresh; \
	    go run ./cmd/crowdwise-bench generate -db "$$url" -bin ./$(BIN) -scale "$$scale"; \
	    bash -c "$$PG_CLUSTER" pg stop "$$dir" $$port; \
	    bash -c "$$PG_CLUSTER" pg start "$$dir" $$port; \
	    go run ./cmd/crowdwise-bench load -db "$$url" -bin ./$(BIN) -out "$$out"; \
	    bash -c "$$PG_CLUSTER" pg stop "$$dir" $$port fresh; \
	    outs="$$outs $$out"; \
	  done; \
	  case "$$scales" in *,*) go run ./cmd/crowdwise-bench compare $$outs;; esac

## db-up: start the project-local development PostgreSQL on 127.0.0.1:$(PG_PORT)
db-up: deps-pg
	@bash -c "$$PG_CLUSTER" pg start '$(PG_DIR)' $(PG_PORT)
	@as=(); [ "$$(id -u)" = 0 ] && as=(runuser -u postgres --); \
	  "$${as[@]}" psql -h 127.0.0.1 -p $(PG_PORT) -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='crowdwise'" | grep -q 1 || \
	  "$${as[@]}" psql -h 127.0.0.1 -p $(PG_PORT) -U postgres -d postgres -qc 'CREATE DATABASE crowdwise'
	@echo "PostgreSQL ready: $(DEV_DATABASE_URL)"

## db-down: stop the development PostgreSQL (data is kept in $(PG_DIR))
db-down:
	@bash -c "$$PG_CLUSTER" pg stop '$(PG_DIR)' $(PG_PORT)

## db-reset: stop the development PostgreSQL and delete its data
db-reset:
	@bash -c "$$PG_CLUSTER" pg stop '$(PG_DIR)' $(PG_PORT) fresh

deps-pg:
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || ! ls /usr/share/postgresql/*/extension/pg_trgm.control >/dev/null 2>&1; then \
	  if [ "$$(id -u)" != 0 ]; then echo "PostgreSQL is missing: sudo apt-get install postgresql postgresql-contrib" >&2; exit 1; fi; \
	  echo "installing PostgreSQL…"; $(APT) postgresql postgresql-contrib >/dev/null || \
	    { apt-get update -qq -o DPkg::Lock::Timeout=180 && $(APT) postgresql postgresql-contrib >/dev/null; }; fi

deps-chromium:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" != 0 ]; then echo "Chromium is missing: sudo apt-get install chromium" >&2; exit 1; fi; \
	  echo "installing Chromium…"; apt-get install -y -o DPkg::Lock::Timeout=180 chromium fonts-liberation >/dev/null || \
	    { apt-get update -qq -o DPkg::Lock::Timeout=180 && apt-get install -y -o DPkg::Lock::Timeout=180 chromium fonts-liberation >/dev/null; }; fi

deps-wrk:
	@if ! command -v wrk >/dev/null 2>&1; then \
	  if [ "$$(id -u)" != 0 ]; then echo "wrk is missing: sudo apt-get install wrk" >&2; exit 1; fi; \
	  echo "installing wrk…"; apt-get install -y -o DPkg::Lock::Timeout=180 wrk >/dev/null || \
	    { apt-get update -qq && apt-get install -y -o DPkg::Lock::Timeout=180 wrk >/dev/null; }; fi

clean:
	rm -rf bin
