# clusterctl: `make up` and `make test` are the two commands a new machine needs.
SHELL := /bin/bash
PREFIX ?= /usr/local
SWIFT_BUILD_FLAGS ?=
BIN := .build/debug/clusterctl

.PHONY: up test chaos deps build release install bench clean

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

bench: deps build
	bench/local-up
	bench/ec2-api-calls

clean:
	rm -rf .build
