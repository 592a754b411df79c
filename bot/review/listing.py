"""The conversation list: its filters, read from the query string, and their effect."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.review.models import ReviewState
from bot.review.sources import FeedbackRecord, latest_ratings
from bot.review.transcripts import LANGUAGES, Conversation

REVIEWED_CHOICES = ("yes", "no")
FLAGS = ("fallback", "low_confidence", "negative_feedback")


@dataclass(frozen=True)
class ConversationFilter:
    language: str = ""
    need: str = ""
    outcome: str = ""
    fallback: bool = False
    low_confidence: bool = False
    negative_feedback: bool = False
    reviewed: str = ""  # "yes", "no" or "" for both

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> ConversationFilter:
        """Unknown values mean "any": a hand-edited link never fails."""
        language = query.get("language", "")
        reviewed = query.get("reviewed", "")
        return cls(
            language=language if language in LANGUAGES else "",
            need=query.get("need", "")[:40],
            outcome=query.get("outcome", "")[:40],
            fallback=query.get("fallback") == "1",
            low_confidence=query.get("low_confidence") == "1",
            negative_feedback=query.get("negative_feedback") == "1",
            reviewed=reviewed if reviewed in REVIEWED_CHOICES else "",
        )

    def as_query(self) -> dict[str, str]:
        values = {
            "language": self.language,
            "need": self.need,
            "outcome": self.outcome,
            "reviewed": self.reviewed,
            **{flag: "1" for flag in FLAGS if getattr(self, flag)},
        }
        return {key: value for key, value in values.items() if value}


@dataclass(frozen=True)
class ListedConversation:
    conversation: Conversation
    reviewed: bool
    negative_feedback: bool


def negative_conversations(feedback: Iterable[FeedbackRecord]) -> set[str]:
    """Conversations whose latest rating is thumbs down."""
    return {cid for cid, rating in latest_ratings(feedback).items() if rating == "down"}


def _matches(item: ListedConversation, wanted: ConversationFilter) -> bool:
    c = item.conversation
    return (
        (not wanted.language or c.language == wanted.language)
        and (not wanted.need or wanted.need in c.needs)
        and (not wanted.outcome or wanted.outcome == c.outcome)
        and (not wanted.fallback or c.had_fallback)
        and (not wanted.low_confidence or c.low_confidence)
        and (not wanted.negative_feedback or item.negative_feedback)
        and (not wanted.reviewed or item.reviewed == (wanted.reviewed == "yes"))
    )


def filter_conversations(
    conversations: Iterable[Conversation],
    states: Mapping[str, ReviewState],
    negative: set[str],
    wanted: ConversationFilter,
) -> list[ListedConversation]:
    listed = (
        ListedConversation(c, c.id in states and states[c.id].reviewed, c.id in negative)
        for c in conversations
    )
    return [item for item in listed if _matches(item, wanted)]
