"""Personal data never reaches the tracker store or the logs (issue 7).

A probe set of identity codes (every century sign, the 2023 ones included),
phone numbers, e-mail addresses and IBANs, written in Finnish and Swedish
sentences, goes through the real REST channel; then the events table of the
running stack is read raw, every column, for every form the value could take.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import phonenumbers
import pytest
from sqlalchemy import create_engine, select
from stdnum import iban
from stdnum.fi import hetu

from bot.callbacks.models import CallbackRequest
from bot.callbacks.phone_drafts import PhoneDraft, masked
from bot.db import default_engine, session_scope
from bot.privacy import (
    EMAIL_MARK,
    HETU_MARK,
    IBAN_MARK,
    PHONE_MARK,
    id_contains_personal_data,
    redact,
    redact_data,
)
from bot.review.tracker import events
from bot.settings import PROJECT_ROOT

CHECK_CHARACTERS = "0123456789ABCDEFHJKLMNPRSTUVWXY"


def valid_hetu(birth: str, sign: str, individual: str) -> str:
    """The identity code with its check character, found by stdnum's validator."""
    return next(
        f"{birth}{sign}{individual}{c}"
        for c in CHECK_CHARACTERS
        if hetu.is_valid(f"{birth}{sign}{individual}{c}", allow_temporary=True)
    )


@dataclass(frozen=True)
class Probe:
    kind: str  # the placeholder it must become
    value: str

    def forms(self) -> set[str]:
        """Every way the value could be stored: as written, normalised, JSON-escaped."""
        forms = {self.value, self.value.upper(), self.value.lower()}
        if self.kind == PHONE_MARK:
            number = phonenumbers.parse(self.value, "FI")
            forms |= {
                phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
                str(number.national_number),
                "0" + str(number.national_number),
            }
        if self.kind == IBAN_MARK:
            forms.add(iban.compact(self.value))
        forms |= {json.dumps(form)[1:-1] for form in set(forms)}
        return forms


HETUS = [
    Probe(HETU_MARK, valid_hetu("131052", "-", "308")),
    Probe(HETU_MARK, valid_hetu("131052", "-", "308").lower()),
    Probe(HETU_MARK, valid_hetu("010181", "-", "900")),  # temporary identity code
    Probe(HETU_MARK, valid_hetu("241189", "+", "014")),  # born in the 1800s
    *[Probe(HETU_MARK, valid_hetu("010594", sign, "903")) for sign in "YXWVU"],
    *[Probe(HETU_MARK, valid_hetu("150607", sign, "452")) for sign in "ABCDEF"],
    Probe(HETU_MARK, valid_hetu("290224", "b", "123")),  # leap day, lower-case sign
    Probe(HETU_MARK, valid_hetu("311299", "-", "998")),
]
PHONES = [
    Probe(PHONE_MARK, value)
    for value in (
        "040 123 4567",
        "0401234567",
        "040-1234567",
        "040-123 4567",
        "+358 40 123 4567",
        "+358401234567",
        "00358 40 123 4567",
        "+358 (0)40 123 4567",
        "(09) 123 4567",
        "09 1234 567",
        "050.765.4321",
        "045 1234567",
        "0457 123 4567",
        "044 987 6543",
        "+46 70 123 45 67",
        "019 123 4567",
        "+358-40-1234567",
        "040 12 34 567",
        "0500 123 456",
        "+358 9 123 4567",
    )
]
EMAILS = [
    Probe(EMAIL_MARK, value)
    for value in (
        "matti.meikalainen@example.fi",
        "ANNA.SVENSSON@EXEMPEL.SE",
        "äiti.virtanen@posti.fi",
        "first+tag@sub.domain.org",
        "k_nieminen-77@kunta.fi",
        "m.virtanen@hus.fi",
    )
]
IBANS = [
    Probe(IBAN_MARK, value)
    for value in (
        "FI21 1234 5600 0007 85",
        "FI2112345600000785",
        "fi21 1234 5600 0007 85",
        "FI21-1234-5600-0007-85",
        "SE45 5000 0000 0583 9825 7466",
        "DE89 3704 0044 0532 0130 00",
        "FI49 5000 9420 0287 30",
        "GB82 WEST 1234 5698 7654 32",
        "NO93 8601 1117 947",
        "FI58 1017 1000 0001 22",
    )
]
PROBES = [*HETUS, *PHONES, *EMAILS, *IBANS]

SENTENCES = {
    HETU_MARK: {
        "fi": "Henkilötunnukseni on {}, voitteko tarkistaa tietoni?",
        "sv": "Min personbeteckning är {}, kan ni kolla mina uppgifter?",
    },
    PHONE_MARK: {
        "fi": "Soittakaa minulle numeroon {} kiitos",
        "sv": "Ring mig på numret {} tack",
    },
    EMAIL_MARK: {
        "fi": "Sähköpostini on {} jos tarvitsette",
        "sv": "Min e-post är {} om ni behöver",
    },
    IBAN_MARK: {
        "fi": "Tilinumeroni on {}, tarvitsen apua toimeentulotukeen",
        "sv": "Mitt kontonummer är {}, jag behöver hjälp med utkomststöd",
    },
}


def test_the_probe_set_is_large_and_every_probe_is_real() -> None:
    assert len(PROBES) >= 50
    assert all(hetu.is_valid(p.value.upper(), allow_temporary=True) for p in HETUS)
    assert all(iban.is_valid(p.value) for p in IBANS)
    assert all(phonenumbers.is_valid_number(phonenumbers.parse(p.value, "FI")) for p in PHONES)


@pytest.mark.parametrize("language", ["fi", "sv"])
@pytest.mark.parametrize("probe", PROBES, ids=lambda p: p.value)
def test_redact_replaces_each_probe_with_its_typed_placeholder(probe, language) -> None:
    sentence = SENTENCES[probe.kind][language].format(probe.value)
    redacted = redact(sentence)
    assert redacted == SENTENCES[probe.kind][language].format(probe.kind)
    assert redact(redacted) == redacted


@pytest.mark.parametrize(
    "text",
    [
        "Asun osoitteessa Mannerheimintie 12 B 34, 00100 Helsinki",
        "Vuonna 1998 ja 2005 kävin lääkärissä klo 14.30",
        "Viitenumero ABC-DEF, aika 30.11. klo 9.20",
        "Jag är 87 år och bor i Raseborg 10300",
        "Päivystysapu 116117, hätänumero 112",
        "131052-308U",  # the check character is wrong: not an identity code
        "FI21 1234 5600 0007 86",  # the check digits are wrong: not an IBAN
    ],
)
def test_redact_leaves_other_text_alone(text) -> None:
    assert redact(text) == text


def test_redact_data_reaches_every_string_in_nested_data() -> None:
    data = {"text": "ring 040 123 4567", "entities": [{"value": "131052-308T"}], "n": 3}
    assert redact_data(data) == {
        "text": f"ring {PHONE_MARK}",
        "entities": [{"value": HETU_MARK}],
        "n": 3,
    }


def stored_events(settings, senders: list[str]) -> str:
    """Every column of the senders' rows in the tracker store, as one text."""
    engine = create_engine(settings.tracker_url)
    with engine.connect() as connection:
        rows = connection.execute(select(events).where(events.c.sender_id.in_(senders))).all()
    assert rows, "nothing was stored"
    return "\n".join(" ".join(str(value) for value in row) for row in rows)


def leaks(text: str, probes: list[Probe]) -> list[str]:
    return sorted({form for probe in probes for form in probe.forms() if form in text})


@pytest.mark.stack
def test_no_probe_reaches_the_events_table_or_the_logs(stack, resident) -> None:
    senders = []
    for language in ("fi", "sv"):
        person = resident(language)
        senders.append(person.sender)
        for probe in PROBES:
            person.says(SENTENCES[probe.kind][language].format(probe.value))
        # Entities and slot values: a button payload with an entity, and metadata.
        person.says(f'/choose_slot{{"slot_id": "{HETUS[0].value}"}}')
        person.page_language = None
        person.municipality = EMAILS[0].value
        person.says("hei")
    stored = stored_events(stack.settings, senders)
    assert leaks(stored, PROBES) == []
    for mark in (HETU_MARK, PHONE_MARK, EMAIL_MARK, IBAN_MARK):
        assert mark in stored  # the messages were stored, redacted
    logs = "\n".join(
        path.read_text(errors="replace") for path in (stack.settings.var_dir / "logs").glob("*")
    )
    assert leaks(logs, PROBES) == []


@pytest.mark.stack
def test_a_callback_number_lives_only_in_the_callback_request(stack, resident) -> None:
    person = resident("fi")
    person.municipality = "049"
    person.says("tarvitsen apua kotihoidon hakemiseen äidille")
    replies = person.says("/request_callback")
    assert "Mihin numeroon" in replies[-1]["text"]
    person.says(PHONES[0].value)
    with session_scope(default_engine()) as session:
        waiting = session.get(PhoneDraft, person.sender)
        assert waiting is not None and waiting.phone == "+358401234567"
    person.says(f"Matti, {EMAILS[0].value}")
    person.says(f"tilini {IBANS[0].value}, hetu {HETUS[0].value}")
    summary = "\n".join(r.get("text", "") for r in person.says("Milloin vain"))
    # The resident sees the number; the store only what redaction left.
    assert PHONES[0].value in summary
    confirmation = "\n".join(r.get("text", "") for r in person.says("Kyllä, tallenna"))
    reference = re.search(r"\b[A-Z2-9]{3}-[A-Z2-9]{3}\b", confirmation).group(0)

    with session_scope(default_engine()) as session:
        request = session.execute(
            select(CallbackRequest).where(CallbackRequest.reference == reference)
        ).scalar_one()
        assert request.phone == "+358401234567"
        assert EMAILS[0].value not in (request.name or "") + request.topic
        assert session.get(PhoneDraft, person.sender) is None
    stored = stored_events(stack.settings, [person.sender])
    assert leaks(stored, [PHONES[0], EMAILS[0], IBANS[0], HETUS[0]]) == []
    # The form's slot kept only the masked number.
    assert masked("+358401234567") in stored


LOGGING_PROGRAM = """
import logging, structlog
from rasa.utils.log_utils import configure_structlog
configure_structlog(logging.DEBUG)
logging.getLogger("rasa.core.processor").debug("Received user message '%s'", {message!r})
structlog.get_logger().debug("processor.slots", slot_values={slots!r})
try:
    raise ValueError({error!r})
except ValueError:
    logging.getLogger("sanic.error").exception("failed on %r", {message!r})
raise RuntimeError({error!r})
"""


def test_every_log_record_and_traceback_is_redacted(tmp_path: Path) -> None:
    """Rasa's own logging set-up (stdlib and structlog), through bot.log_redaction."""
    message = SENTENCES[HETU_MARK]["fi"].format(HETUS[5].value)
    slots = {"cb_phone": PHONES[4].value, "cb_name": EMAILS[1].value}
    error = SENTENCES[IBAN_MARK]["sv"].format(IBANS[4].value)
    program = LOGGING_PROGRAM.format(message=message, slots=slots, error=error)
    (tmp_path / "logging_program.py").write_text(program, encoding="utf-8")
    environment = {**os.environ, "PYTHONPATH": f"{tmp_path}:{PROJECT_ROOT}"}

    def run(*launcher: str) -> str:
        done = subprocess.run(
            [sys.executable, *launcher, "logging_program"],
            cwd=tmp_path,
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
        )
        return done.stdout + done.stderr

    probes = [HETUS[5], PHONES[4], EMAILS[1], IBANS[4]]
    plain = run("-m")
    # Without the launcher the values are there: the check below can fail.
    assert leaks(plain, probes)
    redacted = run("-m", "bot.log_redaction")
    assert leaks(redacted, probes) == []
    for mark in (HETU_MARK, PHONE_MARK, EMAIL_MARK, IBAN_MARK):
        assert mark in redacted
    assert "RuntimeError" in redacted and "ValueError" in redacted


def test_random_conversation_ids_are_never_taken_for_personal_data() -> None:
    # The widget's ids (hex) and UUIDs, common in other clients: a false alarm
    # would lock a resident out of their conversation.
    ids = [uuid.uuid4() for _ in range(20_000)]
    assert not [i for i in ids if id_contains_personal_data(i.hex)]
    assert not [i for i in ids if id_contains_personal_data(str(i))]
    for carries in ("0401234567", "+358401234567", "asiakas-0401234567", "a@b.fi"):
        assert id_contains_personal_data(carries), carries
