"""Language handling: which language a text is in, and which one the conversation uses."""

from bot.language.identifier import (
    LANGUAGES,
    LanguageGuess,
    identify,
    spelling_plausibility,
    words_of,
)
from bot.language.policy import (
    DEFAULT_LANGUAGE,
    SERVICE_LANGUAGES,
    TextLanguage,
    is_english_small_talk,
    next_language,
    page_language,
)

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "SERVICE_LANGUAGES",
    "LanguageGuess",
    "TextLanguage",
    "identify",
    "is_english_small_talk",
    "next_language",
    "page_language",
    "spelling_plausibility",
    "words_of",
]
