"""Which language the conversation continues in.

The page language is a prior, not an order (CONTRACT.md): what the resident
writes wins when it is clearly in the other language, and an explicit request
("på svenska", "suomeksi", a button) always wins. Short courtesy words are
used across languages in Finland ("kiitos" on a Swedish page, "tack" on a
Finnish one, "ok" everywhere), so they never change the language.
"""

from __future__ import annotations

from dataclasses import dataclass

SERVICE_LANGUAGES: tuple[str, ...] = ("fi", "sv")
DEFAULT_LANGUAGE = "fi"

# Intents by which the resident asks for a language.
REQUEST_INTENTS = {"language_fi": "fi", "language_sv": "sv"}

# Words that Finnish and Swedish speakers both use in chat; a message made
# only of these says nothing about which language the resident prefers.
COURTESY_WORDS = frozenset(
    """
    ok okei okay oki joo jo juu ja jep japp jees nej nä nää ei en
    kiitos kiitti kiits tack tackar tak thanks thx
    hei hej moi moikka morjens terve tjena hejsan hi hello heippa hejdå
    """.split()
)

# English greetings and thanks: no need is said, so nothing to route
# ("thank you very much" at the end of a conversation).
ENGLISH_SMALL_TALK = frozenset(
    """
    thank thanks thx you very much so a lot ok okay cheers great nice bye goodbye
    hello hi hey there good morning afternoon evening day have
    """.split()
)

# A message changes the language only when the identifier is this sure ...
SWITCH_MIN_CONFIDENCE = 0.95
# ... and the text carries at least this much evidence (nats): one telling
# word, such as "hammaslääkäri" or "tandläkare", is enough; "ok" is not.
SWITCH_MIN_EVIDENCE = 4.0


@dataclass(frozen=True)
class TextLanguage:
    """The identifier's verdict on one message (parse output ``language``)."""

    code: str | None
    confidence: float
    evidence: float
    words: list[str]


def page_language(metadata: dict | None) -> str | None:
    """The page language from message metadata (``language``), if it is one we serve."""
    value = str((metadata or {}).get("language") or "").strip().lower()[:2]
    return value if value in SERVICE_LANGUAGES else None


def is_courtesy_only(words: list[str]) -> bool:
    return bool(words) and all(word in COURTESY_WORDS for word in words)


def is_english_small_talk(words: list[str]) -> bool:
    return all(word in ENGLISH_SMALL_TALK for word in words)


def next_language(
    current: str | None,
    previous_page: str | None,
    page: str | None,
    text: TextLanguage,
    intent: str | None,
) -> str:
    """The language for the reply to this message.

    A page language seen for the first time in the conversation (its start)
    or changed since the last message (the resident chose the other language
    version of the page) becomes the prior; otherwise the prior is the
    conversation's current language.
    """
    if intent in REQUEST_INTENTS:
        return REQUEST_INTENTS[intent]
    page_is_new = page is not None and page != previous_page
    base = (page if page_is_new else current) or page or DEFAULT_LANGUAGE
    if (
        text.code in SERVICE_LANGUAGES
        and text.code != base
        and text.confidence >= SWITCH_MIN_CONFIDENCE
        and text.evidence >= SWITCH_MIN_EVIDENCE
        and not is_courtesy_only(text.words)
    ):
        return text.code
    return base
