"""The numbers of the analytics page, as plain functions of the data.

Every function takes what bot.review.sources loads (conversations parsed
from tracker events, feedback, callback requests) and nothing else, so the
numbers can be checked against a hand-counted set.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.review.period import Period, local_day
from bot.review.sources import CallbackRecord, FeedbackRecord, latest_ratings
from bot.review.transcripts import LANGUAGES, NO_ROUTING, Conversation

# shared/domain/CONTRACT.md, in the order a manager reads them; then "no routing".
OUTCOMES = ("emergency", "appointment", "callback", "third_sector", "self_service", "info")
THIRD_SECTOR_OUTCOME = "third_sector"
# The service plans' goal for the share of residents guided to NGOs and parishes.
THIRD_SECTOR_TARGET = 0.10


@dataclass(frozen=True)
class Share:
    count: int
    total: int

    @property
    def ratio(self) -> float | None:
        return self.count / self.total if self.total else None


@dataclass(frozen=True)
class Analytics:
    period: Period
    conversations: int
    per_day: list[tuple[date, int]]
    outcomes: list[tuple[str, Share]]
    languages: list[tuple[str, Share]]
    third_sector: Share
    fallback_messages: Share
    fallback_conversations: Share
    feedback: Share
    callback_service_level: Share
    median_first_attempt: timedelta | None


def in_period(conversations: Iterable[Conversation], period: Period) -> list[Conversation]:
    return [c for c in conversations if period.contains(c.started_at)]


def conversations_per_day(
    conversations: Sequence[Conversation], period: Period
) -> list[tuple[date, int]]:
    """Every day of the period, days without conversations too."""
    counts = Counter(local_day(c.started_at) for c in conversations)
    return [(day, counts[day]) for day in period.days()]


def outcome_shares(conversations: Sequence[Conversation]) -> list[tuple[str, Share]]:
    """Where conversations ended up (their last routing), "none" for no routing.

    Outcomes nobody reached are left out; an outcome outside the contract is
    listed after the known ones rather than lost.
    """
    counts = Counter(c.outcome for c in conversations)
    order = [*OUTCOMES, *sorted(set(counts) - set(OUTCOMES) - {NO_ROUTING}), NO_ROUTING]
    total = len(conversations)
    return [(outcome, Share(counts[outcome], total)) for outcome in order if counts[outcome]]


def language_split(conversations: Sequence[Conversation]) -> list[tuple[str, Share]]:
    counts = Counter(c.language for c in conversations)
    return [(language, Share(counts[language], len(conversations))) for language in LANGUAGES]


def third_sector_share(conversations: Sequence[Conversation]) -> Share:
    """Conversations in which the resident was routed to a third-sector service
    (the routing's outcome, not a third-sector option offered beside a public one)."""
    routed = sum(THIRD_SECTOR_OUTCOME in c.outcomes for c in conversations)
    return Share(routed, len(conversations))


def fallback_message_rate(conversations: Sequence[Conversation]) -> Share:
    """Resident messages the assistant did not understand (fell back on)."""
    turns = [turn for c in conversations for turn in c.turns]
    return Share(sum(turn.fallback for turn in turns), len(turns))


def fallback_conversation_share(conversations: Sequence[Conversation]) -> Share:
    return Share(sum(c.had_fallback for c in conversations), len(conversations))


def feedback_score(feedback: Iterable[FeedbackRecord], conversation_ids: set[str]) -> Share:
    """Conversations rated thumbs up, of those rated; a resident who rated twice
    counts once, with the latest rating."""
    ratings = [
        rating for cid, rating in latest_ratings(feedback).items() if cid in conversation_ids
    ]
    return Share(ratings.count("up"), len(ratings))


def callback_service_level(callbacks: Iterable[CallbackRecord], now: datetime) -> Share:
    """Requests whose first call attempt (reached or not) came by the promised time.

    Counted: requests with an attempt, and requests past their due time with
    none (missed). Not counted: requests not yet due and not yet called, and
    requests the resident cancelled before any call.
    """
    on_time = judged = 0
    for callback in callbacks:
        if callback.first_attempt_at is not None:
            judged += 1
            on_time += callback.first_attempt_at <= callback.due_at
        elif callback.state != "cancelled" and callback.due_at < now:
            judged += 1
    return Share(on_time, judged)


def median_time_to_first_attempt(callbacks: Iterable[CallbackRecord]) -> timedelta | None:
    waits = [
        (c.first_attempt_at - c.created_at).total_seconds()
        for c in callbacks
        if c.first_attempt_at is not None
    ]
    return timedelta(seconds=statistics.median(waits)) if waits else None


def summarise(
    conversations: Iterable[Conversation],
    feedback: Iterable[FeedbackRecord],
    callbacks: Iterable[CallbackRecord],
    period: Period,
    now: datetime,
) -> Analytics:
    """All numbers of the page for the period. Conversations count by their
    first message, callbacks by when they were requested, feedback by the
    conversation it was given in. `now` is naive UTC, like stored times."""
    chosen = in_period(conversations, period)
    requested = [c for c in callbacks if period.contains(c.created_at)]
    return Analytics(
        period=period,
        conversations=len(chosen),
        per_day=conversations_per_day(chosen, period),
        outcomes=outcome_shares(chosen),
        languages=language_split(chosen),
        third_sector=third_sector_share(chosen),
        fallback_messages=fallback_message_rate(chosen),
        fallback_conversations=fallback_conversation_share(chosen),
        feedback=feedback_score(feedback, {c.id for c in chosen}),
        callback_service_level=callback_service_level(requested, now),
        median_first_attempt=median_time_to_first_attempt(requested),
    )
