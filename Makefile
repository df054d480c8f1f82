# clusterctl: `make up` and `make test` are the two commands a new machine needs.
SHELL := /bin/bash
PREFIX ?= /usr/local
SWIFT_BUILD_FLAGS ?=
BIN := .build/debug/clusterctl

.PHONY: up test chaos deps build release install bench plots bench-env clean

## Install what is missing, build, bring up the local example cluster and show how to connect.
up: deps build
	$(BIN) up clusters/local.yaml --yes

## Install what is missing and run every test.
test: deps build
	scripts/run-tests

## The chaos suite's long form: every fault scenario CHAOS_TRIALS times; rewrites docs/reliability.md.
CHAOS_TRIALS ?= 20
chaos: deps build
	CLUSTERCTL_CHAOS_TRIALS=$(CHAOS_TRIALS) CLUSTERCTL_CHAOS_REPORT=$(CURDIR)/docs/reliability.md \
	  scripts/run-tests --filter Chaos

## System and Python packages the build, the runtime and the tests need.
deps:
	scripts/install-deps

build:
	@touch Sources/ClusterKit/templates  # the copied templates are refreshed only when their folder changes
	swift build $(SWIFT_BUILD_FLAGS) --product clusterctl

release:
	swift build -c release --product clusterctl

## Install the binary, its templates, the man page and shell completions under PREFIX.
install: release
	install -d $(PREFIX)/bin $(PREFIX)/share/clusterctl $(PREFIX)/share/man/man1 \
	  $(PREFIX)/share/bash-completion/completions $(PREFIX)/share/zsh/site-functions \
	  $(PREFIX)/share/fish/vendor_completions.d
	install -m 0755 .build/release/clusterctl $(PREFIX)/bin/clusterctl
	rm -rf $(PREFIX)/share/clusterctl/templates
	cp -RL templates $(PREFIX)/share/clusterctl/templates
	swift package generate-manual --configuration release
	install -m 0644 .build/plugins/GenerateManual/outputs/clusterctl/clusterctl.1 $(PREFIX)/share/man/man1/clusterctl.1
	.build/release/clusterctl --generate-completion-script bash > $(PREFIX)/share/bash-completion/completions/clusterctl
	.build/release/clusterctl --generate-completion-script zsh > $(PREFIX)/share/zsh/site-functions/_clusterctl
	.build/release/clusterctl --generate-completion-script fish > $(PREFIX)/share/fish/vendor_completions.d/clusterctl.fish

## Every benchmark on the release build, then their figures: rewrites bench/results/*.json,
## docs/benchmarks.md and docs/benchmarks/*.svg. Long (tens of minutes): give it an otherwise idle machine.
BENCH_BIN := .build/release/clusterctl
BENCH_ENV := .build-bench/plots
bench: deps release bench-env
	bench/local-up --binary $(BENCH_BIN)
	bench/env-cost --binary $(BENCH_BIN)
	bench/ssh-fanout --binary $(BENCH_BIN)
	bench/ssh-fanout --binary $(BENCH_BIN) --latency-ms 25
	bench/ec2-api-calls --binary $(BENCH_BIN)
	bench/index-bytes --binary $(BENCH_BIN)
	bench/cli-cost --binary $(BENCH_BIN)
	$(BENCH_ENV)/bin/python bench/plots.py

## The figures alone, from the results in bench/results.
plots: bench-env
	$(BENCH_ENV)/bin/python bench/plots.py

## matplotlib for bench/plots.py, pinned in bench/plots-requirements.txt, in a venv of its own
## (the benchmarks themselves run on the python3 that scripts/install-deps equips).
bench-env: $(BENCH_ENV)/.installed
$(BENCH_ENV)/.installed: bench/plots-requirements.txt
	python3 -m venv $(BENCH_ENV)
	$(BENCH_ENV)/bin/pip install --quiet --disable-pip-version-check -r bench/plots-requirements.txt
	touch $@

clean:
	rm -rf .build
