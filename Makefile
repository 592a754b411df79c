# The two commands of the README. Both create or update .venv first.
.PHONY: run test lint bench venv

venv:
	@scripts/bootstrap

run: venv
	.venv/bin/neuvo run

# The conversation tests again with everything on PostgreSQL and Redis
# (tests/conftest.py starts the servers when they are down).
POSTGRES_TESTS = tests/test_conversations.py tests/test_routing_conversations.py \
	tests/test_callback_conversations.py tests/test_booking_conversations.py \
	tests/test_staff_callbacks.py

test: venv
	.venv/bin/python -m pytest
	NEUVO_TEST_DATABASE=postgres .venv/bin/python -m pytest $(POSTGRES_TESTS)

lint: venv
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

bench: venv
	.venv/bin/python -m pip install --quiet lingua-language-detector
	.venv/bin/python bench/language_id.py --write docs/benchmarks.md
