"""Phone numbers residents type, checked and written the Finnish way."""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

# Only digits and the usual separators: phonenumbers would read letters as a
# keypad word ("040 ABC DEFG" -> 040 2223334), which no resident means.
_PHONE_CHARACTERS = re.compile(r"\+?[\d\s().\-/]{3,30}")
# Numbers a person can be called back on: no service, premium or toll-free numbers.
_CALLABLE_TYPES = {
    PhoneNumberType.MOBILE,
    PhoneNumberType.FIXED_LINE,
    PhoneNumberType.FIXED_LINE_OR_MOBILE,
    PhoneNumberType.VOIP,
    PhoneNumberType.PERSONAL_NUMBER,
}


def parse_phone(text: str) -> str | None:
    """The number in E.164 ("+358401234567") when the text is a valid callable number."""
    candidate = (text or "").strip()
    if not _PHONE_CHARACTERS.fullmatch(candidate):
        return None
    try:
        number = phonenumbers.parse(candidate, "FI")
    except NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    if phonenumbers.number_type(number) not in _CALLABLE_TYPES:
        return None
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def _grouped(subscriber: str) -> str:
    """'1234567' -> '123 4567', '12345678' -> '1234 5678', as Finns write numbers."""
    if len(subscriber) == 8:
        return f"{subscriber[:4]} {subscriber[4:]}"
    if len(subscriber) > 4:
        return f"{subscriber[:3]} {_grouped(subscriber[3:])}"
    return subscriber


def format_phone(e164: str) -> str:
    """'+358401234567' -> '040 123 4567'; foreign numbers internationally; else unchanged."""
    try:
        number = phonenumbers.parse(e164 or "", "FI")
    except NumberParseException:
        return e164 or ""
    if not phonenumbers.is_valid_number(number):
        return e164 or ""
    if number.country_code != 358:
        return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
    national = phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    area, _, subscriber = national.partition(" ")
    return f"{area} {_grouped(subscriber.replace(' ', ''))}" if subscriber else national
