# Two commands set everything up on a fresh machine:
#   make dashboard   the main job: the dashboard on the shipped demo runs (http://127.0.0.1:8501)
#   make test        the test suite (CI runs exactly this through .ci/run)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

# The pinned requirements, then the packages core and dashboard (editable, so `streamlit run
# dashboard/app.py` imports them from anywhere) and the `opembed` command; pyproject.toml
# takes its dependencies from requirements.txt, so --no-deps installs nothing more.
$(BIN)/activate: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --quiet --no-deps -e .
	touch $(BIN)/activate

.PHONY: setup dashboard test chromium docs gpu-check
setup: $(BIN)/activate

# Private wherever it is started: .streamlit/config.toml is read from the working directory
# only, so the bind address, headless mode and no usage statistics are passed here as well.
DASHBOARD_FLAGS := --server.address 127.0.0.1 --server.headless true --browser.gatherUsageStats false --client.toolbarMode viewer

dashboard: setup
	$(BIN)/streamlit run dashboard/app.py $(DASHBOARD_FLAGS) -- --runs-dir runs

chromium:
	@command -v chromium >/dev/null 2>&1 || test -x /usr/bin/chromium || \
		(apt-get update -qq && apt-get install -y -qq chromium) || \
		echo "chromium could not be installed: browser tests and PDF/PNG export will be skipped"

test: setup chromium
	$(BIN)/python -m pytest -q

# The documentation site in site/ (docs/, mkdocs.yml); tests/test_docs.py builds it as well.
# `$(BIN)/mkdocs serve` serves it at http://127.0.0.1:8000, rebuilt on every edit.
docs: setup
	$(BIN)/mkdocs build --strict

# When a GPU is lent (docs/gpu-check.md): every model on CUDA against the CPU, one paper-preset
# epoch timed, a fast model trained to 99 % greedy reconstruction, in at most 8 minutes; exit
# status 1 names a failed check. enas6 is used where $OPEMBED_DATA_DIR holds its data file.
gpu-check: setup
	$(BIN)/python -m core bench --gpu-check --device cuda --json assets/bench/gpu-check.json
