PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test bench lint clean pages

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/python bot.py

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python -m bench

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

pages:  # optional: LibreOffice and CJK fonts for /preview as PDF pages (Debian, as root)
	apt-get install -y --no-install-recommends libreoffice-writer-nogui fonts-noto-cjk poppler-utils \
	  fonts-arphic-ukai texlive-lang-chinese  # 仿宋 FandolFang, 楷体 FandolKai / AR PL UKai CN (see report/fonts.conf)

clean:
	rm -rf $(VENV) .pytest_cache
