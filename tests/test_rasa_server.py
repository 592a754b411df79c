"""bot.rasa_server's action response check agrees with Rasa's own."""

from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from bot.rasa_server import validate_action_result

GOOD = [
    {"events": [], "responses": []},
    {
        "events": [
            {"event": "slot", "name": "language", "value": "sv", "timestamp": None},
            {"event": "followup", "name": "action_listen"},
        ],
        "responses": [{"text": "Hej!", "buttons": [{"title": "Ja", "payload": "/affirm"}]}],
    },
    {"events": [{"event": "active_loop", "name": None}], "responses": [{"custom": {"x": 1}}]},
]
ACTION = RemoteAction("action_route_need", None)
BAD = [
    {"events": "not a list", "responses": []},
    {"events": [{"event": "no_such_event"}], "responses": []},
    {"events": [{"event": "slot"}], "responses": []},
    {"events": [], "responses": "hello"},
    {"events": [], "responses": [1, 2]},
]


@pytest.mark.parametrize("result", GOOD)
def test_a_good_response_is_accepted_as_rasa_accepts_it(result) -> None:
    assert ACTION._validate_action_result(result) is True
    assert validate_action_result(ACTION, result) is True


@pytest.mark.parametrize("result", BAD)
def test_a_bad_response_gets_rasas_own_error(result) -> None:
    with pytest.raises(ValidationError) as rasas:
        ACTION._validate_action_result(result)
    with pytest.raises(ValidationError) as ours:
        validate_action_result(ACTION, result)
    assert (ours.value.message, list(ours.value.path)) == (
        rasas.value.message,
        list(rasas.value.path),
    )
