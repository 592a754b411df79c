# The two commands of the README. Both create or update .venv first.
.PHONY: run test lint bench venv

venv:
	@scripts/bootstrap

run: venv
	.venv/bin/neuvo run

test: venv
	.venv/bin/python -m pytest

lint: venv
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

bench: venv
	.venv/bin/python -m pip install --quiet lingua-language-detector
	.venv/bin/python bench/language_id.py --write docs/benchmarks.md
