"""Rasa's server with one measured fix: ``python -m bot.rasa_server run ...``.

Rasa checks every action server response with ``jsonschema.validate``, which
first validates Rasa's (large) response schema against the JSON Schema
meta-schema, on every call: about 27 ms a call and 3-4 calls a turn, over half
of Rasa's CPU time under load (bench/load.py, docs/benchmarks.md). The schema
never changes, so here it is checked once and its validator is reused. What is
accepted and the error raised for a bad response stay Rasa's own
(tests/test_rasa_server.py compares them).
"""

from __future__ import annotations

import runpy
import sys
from functools import lru_cache
from typing import Any

from jsonschema import ValidationError
from jsonschema.exceptions import best_match
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL


@lru_cache(maxsize=1)
def response_validator() -> Validator:
    """The validator of Rasa's action response schema, its schema checked once."""
    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    """RemoteAction._validate_action_result without re-checking the schema each call."""
    # jsonschema.validate raises the best match of all errors: so does this.
    error: ValidationError | None = best_match(response_validator().iter_errors(result))
    if error is None:
        return True
    error.message += (
        f". Failed to validate Action server response from API, "
        f"make sure your response from the Action endpoint is valid. "
        f"For more information about the format visit "
        f"{DOCS_BASE_URL}/custom-actions"
    )
    raise error


def install() -> None:
    RemoteAction._validate_action_result = validate_action_result


def main(argv: list[str]) -> None:
    install()
    sys.argv = ["rasa", *argv]
    runpy.run_module("rasa", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main(sys.argv[1:])
