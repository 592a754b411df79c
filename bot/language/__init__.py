"""Language handling: which language a text is in, and which one the conversation uses."""

from bot.language.identifier import LANGUAGES, LanguageGuess, identify, words_of

__all__ = ["LANGUAGES", "LanguageGuess", "identify", "words_of"]
