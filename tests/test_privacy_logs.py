"""Rasa at DEBUG level logs every message, slot and parse result: still redacted.

Destructive: restarts the shared stack's Rasa server with LOG_LEVEL=DEBUG and,
afterwards, at the normal level again.
"""

from __future__ import annotations

import pytest

from bot.privacy import EMAIL_MARK, HETU_MARK, IBAN_MARK, PHONE_MARK
from tests.test_privacy import EMAILS, HETUS, IBANS, PHONES, PROBES, SENTENCES, leaks

pytestmark = pytest.mark.stack


def test_rasa_debug_logs_hold_no_personal_data(stack, resident, monkeypatch) -> None:
    log_path = stack.service("rasa").log_path
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    stack.restart("rasa")
    try:
        start = log_path.stat().st_size
        person = resident("sv")
        person.municipality = "710"
        for probe in PROBES:
            person.says(SENTENCES[probe.kind]["sv"].format(probe.value))
        # The callback form: the number as a slot value, then in the bot's summary.
        person.says("/request_callback")
        person.says(PHONES[2].value)
        person.says(f"Anna, {EMAILS[3].value}")
        person.says(f"konto {IBANS[1].value}, personbeteckning {HETUS[4].value}")
        person.says("När som helst")
        with open(log_path, encoding="utf-8", errors="replace") as log:
            log.seek(start)
            written = log.read()
    finally:
        monkeypatch.delenv("LOG_LEVEL")
        stack.restart("rasa")
    # Rasa really logged the conversation at this level ...
    assert person.sender in written and "slot" in written.lower()
    for mark in (HETU_MARK, PHONE_MARK, EMAIL_MARK, IBAN_MARK):
        assert mark in written
    # ... and not one identifier in any form.
    assert leaks(written, PROBES) == []
