# clvedu: two commands on a fresh machine with python3 (3.11+) and make.
#   make demo   set everything up, build the book and the decks, print where they are
#   make test   run the whole test suite (worked examples, book build, decks, browser)
#   make book-pdf  the whole book as one PDF with a contents page (build/book.pdf; needs Chromium)

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
CASES  ?= $(patsubst %/case.yaml,%,$(wildcard case_studies/*/case.yaml))
DECKS  := build/decks

.PHONY: demo test book book-pdf decks install clean bench

install: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "clvedu needs Python 3.11 or newer; found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

book: $(STAMP)
	$(BIN)/jupyter-book build book -W --keep-going

# the whole book as one PDF with a contents page, printed offline by headless Chromium (Debian's chromium)
book-pdf: book
	$(BIN)/python book/_ext/book_pdf.py book/_build/html --out build/book.pdf

# with LibreOffice installed, each deck is also written as PDF: slides (NAME.pdf) and notes pages (NAME-notes.pdf)
decks: $(STAMP)
	@mkdir -p $(DECKS)
	@pdf=; if command -v soffice >/dev/null 2>&1 || command -v libreoffice >/dev/null 2>&1; then pdf=--pdf; \
	  else echo "LibreOffice (soffice) not found: writing the decks without PDFs"; fi; \
	for case in $(CASES); do \
	  name=$$(basename $$case); \
	  echo "decks for $$case"; \
	  $(BIN)/clvedu deck --case $$case --out $(DECKS)/$$name-exemplar.pptx --force $$pdf || exit 1; \
	  $(BIN)/clvedu deck --case $$case --kind briefing --out $(DECKS)/$$name-briefing.pptx --force $$pdf || exit 1; \
	done

demo: book decks
	@echo
	@echo "Built:"
	@echo "  book:  $(CURDIR)/book/_build/html/index.html"
	@for f in $(DECKS)/*.pptx; do [ -e "$$f" ] && echo "  deck:  $(CURDIR)/$$f"; done; true
	@for f in $(DECKS)/*.pdf; do [ -e "$$f" ] && echo "  pdf:   $(CURDIR)/$$f"; done; true

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	@for f in benchmarks/bench_*.py; do echo "== $$f"; $(BIN)/python $$f; done

clean:
	rm -rf book/_build build
