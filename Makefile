# Two commands for a fresh machine: `make demo` and `make test`.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
# Debian packages the built-in corpus synthesises speech with.
SPEECH_PACKAGES := espeak-ng flite festival festvox-kallpc16k festvox-kdlpc16k festvox-us-slt-hts sox
SPEECH_TOOLS := espeak-ng flite text2wave sox

.PHONY: demo test lint bench venv speech-tools clean

## demo: install into .venv, then run the whole pipeline on the built-in corpus.
demo: venv speech-tools
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/snakemake --cores all
	@echo "Table: results/eer_table.md   Loss plots: results/plots/"
	@cat results/eer_table.md

## test: the test suite (unit tests + the end-to-end run on config/tiny.yaml).
test: venv speech-tools
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m pytest

## lint: ruff (lint + format), snakefmt and snakemake --lint; CI runs it before the tests.
lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/snakefmt --check .
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/snakemake --lint

## bench: benchmark scripts; each prints a table and writes results/bench_*.md.
bench: venv
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python bench/dryrun.py

venv: $(BIN)/.installed

# Pinned versions; torch==2.13.0 is the CPU wheel (an unpinned torch pulls CUDA).
$(BIN)/.installed: requirements.txt requirements-dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	# The library as a package with the `ge2e` command; editable, so it stays in workflow/scripts/ge2e.
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

speech-tools:
	@missing=""; \
	for tool in $(SPEECH_TOOLS); do command -v $$tool >/dev/null 2>&1 || missing="$$missing $$tool"; done; \
	if command -v dpkg >/dev/null 2>&1 && ! dpkg -s $(SPEECH_PACKAGES) >/dev/null 2>&1; then missing="$$missing (voices)"; fi; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "installing speech tools:$$missing"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(SPEECH_PACKAGES) >/dev/null; \
		else \
			echo "The built-in corpus needs:$$missing. Install the Debian packages:"; \
			echo "  sudo apt-get install $(SPEECH_PACKAGES)"; \
			exit 1; \
		fi; \
	fi

clean:
	rm -rf results/builtin_corpus results/tdsv results/tisv results/plots results/logs results/benchmarks results/eer_table.md .snakemake
