# Two commands for a fresh machine: `make demo` and `make test`.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
# Debian packages the built-in corpus synthesises speech with (ge2e.builtin.voices.DEBIAN_PACKAGES;
# a test keeps the two lists equal).
SPEECH_PACKAGES := sox festival espeak-ng flite festvox-kallpc16k festvox-kdlpc16k festvox-us-slt-hts \
	festvox-italp16k festvox-itapc16k festvox-suopuhe-lj festvox-suopuhe-mv festvox-czech-dita festvox-czech-krb \
	festvox-czech-machac festvox-czech-ph festvox-ru festvox-ca-ona-hts
SPEECH_TOOLS := espeak-ng flite text2wave sox
# Debian packages the SLURM test starts a one-node cluster from (tests/slurm_cluster.py).
SLURM_PACKAGES := slurmctld slurmd slurm-client munge
# Missing Debian packages are installed only where that needs no prompt: as root, with apt-get.
CAN_APT := [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1
APT_INSTALL := apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends

.PHONY: demo model report test lint bench venv speech-tools browser slurm clean

## demo: install into .venv, run the whole pipeline on the built-in corpus, then write the report.
demo: venv speech-tools
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/snakemake --cores all
	@cat results/eer_table.md
	$(MAKE) --no-print-directory report

## model: remake the shipped encoders (models/, docs/models.md) with config/real-speech.yaml (needs ../shared).
model: venv
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/snakemake --cores all \
		models/tisv-resemblyzer-finetuned.pt models/tdsv-yes-resemblyzer-finetuned.pt \
		--configfile config/real-speech.yaml

## report: the self-contained HTML report of the last run (open it in any browser).
report: venv
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/snakemake --report results/report.html
	@echo "Report: $(CURDIR)/results/report.html   Table: results/eer_table.md   Figures: results/plots/"

## test: the test suite (unit tests + the end-to-end run on config/tiny.yaml, its report in Chromium).
test: venv speech-tools browser slurm
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m pytest

## lint: ruff (lint + format), snakefmt and snakemake --lint; CI runs it before the tests.
lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/snakefmt --check .
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/snakemake --lint

## bench: every benchmark under bench/ (one process each); prints the table and writes results/bench.md.
bench: venv
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python bench/run.py

venv: $(BIN)/.installed

# Pinned versions; torch==2.13.0 is the CPU wheel (an unpinned torch pulls CUDA).
$(BIN)/.installed: requirements.txt requirements-dev.txt requirements-weights.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -r requirements-weights.txt
	# The library as a package with the `ge2e` command; editable, so it stays in workflow/scripts/ge2e.
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

speech-tools:
	@missing=""; \
	for tool in $(SPEECH_TOOLS); do command -v $$tool >/dev/null 2>&1 || missing="$$missing $$tool"; done; \
	if command -v dpkg >/dev/null 2>&1 && ! dpkg -s $(SPEECH_PACKAGES) >/dev/null 2>&1; then missing="$$missing (voices)"; fi; \
	if [ -n "$$missing" ]; then \
		if $(CAN_APT); then \
			echo "installing speech tools:$$missing"; \
			$(APT_INSTALL) $(SPEECH_PACKAGES) >/dev/null; \
		else \
			echo "The built-in corpus needs:$$missing. Install the Debian packages:"; \
			echo "  sudo apt-get install $(SPEECH_PACKAGES)"; \
			exit 1; \
		fi; \
	fi

# The report test renders the HTML report in Debian's headless Chromium.
browser:
	@if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then \
		if $(CAN_APT); then \
			echo "installing chromium for the report test"; \
			$(APT_INSTALL) chromium >/dev/null; \
		else \
			echo "The report test needs Chromium (it is skipped without it): sudo apt-get install chromium"; \
		fi; \
	fi

# The SLURM test needs root and these packages; skipped without them, except in CI.
slurm:
	@if command -v dpkg >/dev/null 2>&1 && ! dpkg -s $(SLURM_PACKAGES) >/dev/null 2>&1; then \
		if $(CAN_APT); then \
			echo "installing SLURM and munge for the cluster test"; \
			$(APT_INSTALL) $(SLURM_PACKAGES) >/dev/null; \
		else \
			echo "The SLURM test needs root and: sudo apt-get install --no-install-recommends $(SLURM_PACKAGES) (skipped without)"; \
		fi; \
	fi

# Every output of a run (an experiment's variants and seeds too), not the downloads (data/ and their markers,
# results/downloads) nor make bench's results/bench.md; tests/test_plan_targets.py keeps the list whole.
CLEAN := results/builtin_corpus results/tdsv results/tisv results/external results/variants results/seed* \
	results/plots results/logs results/benchmarks results/eer_table.md results/eer_table.html results/eer_per_seed.tsv \
	results/ablation.md results/ablation.html results/run_summary.html results/report.html results/report.zip .snakemake

clean:
	rm -rf $(CLEAN)
