# kamlab: two commands on a fresh clone.
#   make report   set up .venv, then build the period report on the bundled sample
#   make test     set up .venv, then check the layer contract and run the whole test suite
#                 (unit tests, the wheel test, nbval)
#   make screenshots  look at the built report as PNGs (needs Chromium and pdftoppm;
#                 report and test do not)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PERIOD ?= 2026Q3
SAMPLE := data/sample

.PHONY: setup report test sample teach lint lab clean screenshots

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev,lab]"
	touch $(STAMP)

report: setup
	$(BIN)/kamlab report --period $(PERIOD) --transactions $(SAMPLE)/transactions.csv \
		--accounts $(SAMPLE)/accounts.csv --previous-accounts $(SAMPLE)/accounts_previous.csv \
		--plans $(SAMPLE)/plans --contacts $(SAMPLE)/contacts.csv --out reports
	@echo "The report: $(CURDIR)/reports/$(PERIOD)/index.html (and report.pdf, summary.xlsx beside it)"

# Look at it: reports/$(PERIOD)/index.html, its section pages and report.pdf's pages as PNG
# in reports/$(PERIOD)/screenshots/, and the PDF's layout checked (scripts/screenshots.py).
# make screenshots ARGS=--readme also refreshes docs/report.png from the executive summary.
screenshots: setup
	$(BIN)/python scripts/screenshots.py reports/$(PERIOD) $(ARGS)

# lint-imports: the layer contract in pyproject.toml ([tool.importlinter], docs/architecture.md)
test: setup
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q --nbval-lax tests kamlab/notebooks

# Regenerate the bundled sample (it is committed; this is how it was made), with the key
# account plans written a quarter before the report's period (the report reads them against it),
# their teams from the contacts file (the key account manager first).
sample: setup
	$(BIN)/kamlab sample --seed 0 --accounts 300 --faults 0.01 --out $(SAMPLE)
	rm -rf $(SAMPLE)/plans
	$(BIN)/kamlab plans init $(SAMPLE)/transactions.csv --accounts $(SAMPLE)/accounts_previous.csv \
		--contacts $(SAMPLE)/contacts.csv --period 2026Q2 --out $(SAMPLE)/plans
	rm -f $(SAMPLE)/plans_quarantine.csv  # the faults planted in the transactions, quarantined again

# The teaching packs: each student's notebooks on their own data, and the lecturer's copy.
SEEDS ?= 1 2 3
teach: setup
	$(BIN)/kamlab teach --seeds $(SEEDS) --out teaching_packs

lint: setup
	$(BIN)/ruff check kamlab tests benchmarks scripts

lab: setup
	$(BIN)/jupyter lab kamlab/notebooks

clean:
	rm -rf $(VENV) reports/*/ .pytest_cache
