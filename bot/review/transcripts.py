"""Rasa tracker events -> conversations made of turns, as staff review them.

A turn is one resident message and everything the assistant did about it:
the intent it recognised (with confidence), the actions it ran, its replies
and the routing payload (shared/domain/CONTRACT.md) if it routed. Resident
text is redacted here, so no staff page or export ever shows an identity
code, phone number or e-mail address from a transcript.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone

from bot.language.policy import SWITCH_MIN_CONFIDENCE, SWITCH_MIN_EVIDENCE
from bot.privacy import redact
from bot.review.tracker import FALLBACK_ACTIONS, FALLBACK_INTENT, LANGUAGE_SLOT, TrackerEvent

# Below this the classifier was unsure, though it did not fall back (the
# fallback threshold in config.yml is 0.4): worth a reviewer's look.
LOW_CONFIDENCE = 0.6
DEFAULT_LANGUAGE = "fi"  # the language slot's initial value (domain/conversation.yml)
LANGUAGES = ("fi", "sv")
NO_ROUTING = "none"
# Actions that are bookkeeping, not something the assistant did for the resident.
QUIET_ACTIONS = frozenset({"action_listen", "action_session_start"})


@dataclass(frozen=True)
class RoutedService:
    name: str
    provider_type: str


@dataclass(frozen=True)
class Routing:
    need: str
    outcome: str
    language: str
    municipality: str
    services: tuple[RoutedService, ...]


@dataclass
class Reply:
    text: str  # redacted
    buttons: list[str] = field(default_factory=list)
    # "routing", "search_results" or another custom payload's type; "" for text.
    payload_type: str = ""
    routing: Routing | None = None


@dataclass
class Turn:
    event_id: int
    at: datetime
    text: str  # redacted
    intent: str
    confidence: float | None
    ranking: list[tuple[str, float]]
    # The language of this message alone, when the identifier was sure of
    # it (as sure as it must be to switch the conversation's language).
    identified_language: str | None
    # The assistant's reply language after this message (the language slot).
    reply_language: str = DEFAULT_LANGUAGE
    actions: list[str] = field(default_factory=list)
    replies: list[Reply] = field(default_factory=list)

    @property
    def is_button(self) -> bool:
        """A clicked button sends its payload ("/intent"): nothing to learn from."""
        return self.text.startswith("/")

    @property
    def fallback(self) -> bool:
        return self.intent == FALLBACK_INTENT or any(a in FALLBACK_ACTIONS for a in self.actions)

    @property
    def low_confidence(self) -> bool:
        return (
            not self.is_button and self.confidence is not None and self.confidence < LOW_CONFIDENCE
        )

    @property
    def routings(self) -> list[Routing]:
        return [reply.routing for reply in self.replies if reply.routing is not None]

    @property
    def runners_up(self) -> list[tuple[str, float]]:
        """The next likeliest intents. A later component (the safety net, the
        English detector) may have overruled the ranking's top one."""
        return [(name, score) for name, score in self.ranking if name != self.intent][:2]

    @property
    def language(self) -> str:
        """The message's language: identified if sure, else the conversation's at the time."""
        return self.identified_language or self.reply_language


@dataclass
class Conversation:
    id: str
    started_at: datetime  # the first resident message, aware UTC
    turns: list[Turn]
    # The assistant's reply language at the end (the language slot).
    language: str = DEFAULT_LANGUAGE
    # Replies sent before the resident wrote anything (a greeting).
    opening: list[Reply] = field(default_factory=list)

    @property
    def routings(self) -> list[Routing]:
        return [routing for turn in self.turns for routing in turn.routings]

    @property
    def needs(self) -> list[str]:
        return list(dict.fromkeys(routing.need for routing in self.routings))

    @property
    def outcomes(self) -> list[str]:
        return list(dict.fromkeys(routing.outcome for routing in self.routings))

    @property
    def outcome(self) -> str:
        """Where the conversation ended up: the last routing's outcome."""
        routings = self.routings
        return routings[-1].outcome if routings else NO_ROUTING

    @property
    def had_fallback(self) -> bool:
        return any(turn.fallback for turn in self.turns)

    @property
    def low_confidence(self) -> bool:
        return any(turn.low_confidence for turn in self.turns)

    def turn(self, event_id: int) -> Turn | None:
        return next((turn for turn in self.turns if turn.event_id == event_id), None)


def _moment(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, timezone.utc)


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _confidence(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float)) else None


def _routing(custom: dict) -> Routing:
    services = custom.get("services")
    return Routing(
        need=_text(custom.get("need")),
        outcome=_text(custom.get("outcome")),
        language=_text(custom.get("language")),
        municipality=_text(custom.get("municipality")),
        services=tuple(
            RoutedService(_text(s.get("name")), _text(s.get("provider_type")))
            for s in services
            if isinstance(s, dict)
        )
        if isinstance(services, list)
        else (),
    )


def _reply(data: dict) -> Reply:
    extra = data.get("data") if isinstance(data.get("data"), dict) else {}
    buttons = extra.get("buttons") if isinstance(extra.get("buttons"), list) else []
    reply = Reply(
        # Replies echo what residents tell (a callback summary repeats the
        # phone number), so they are redacted like the residents' own text.
        text=redact(_text(data.get("text"))),
        buttons=[_text(b.get("title")) for b in buttons if isinstance(b, dict)],
    )
    custom = extra.get("custom")
    if isinstance(custom, dict):
        reply.payload_type = _text(custom.get("type")) or "custom"
        if reply.payload_type == "routing":
            reply.routing = _routing(custom)
    return reply


def _sure_language(verdict: dict) -> str | None:
    code = verdict.get("code")
    confidence = _confidence(verdict.get("confidence")) or 0.0
    evidence = _confidence(verdict.get("evidence")) or 0.0
    sure = confidence >= SWITCH_MIN_CONFIDENCE and evidence >= SWITCH_MIN_EVIDENCE
    return code if code in LANGUAGES and sure else None


def _turn(event: TrackerEvent, reply_language: str) -> Turn:
    parse = event.data.get("parse_data") if isinstance(event.data.get("parse_data"), dict) else {}
    intent = parse.get("intent") if isinstance(parse.get("intent"), dict) else {}
    ranking = parse.get("intent_ranking") if isinstance(parse.get("intent_ranking"), list) else []
    verdict = parse.get("language") if isinstance(parse.get("language"), dict) else {}
    return Turn(
        event_id=event.id,
        at=_moment(event.timestamp),
        text=redact(_text(event.data.get("text"))),
        intent=_text(intent.get("name")),
        confidence=_confidence(intent.get("confidence")),
        ranking=[
            (_text(r.get("name")), _confidence(r.get("confidence")) or 0.0)
            for r in ranking[:4]
            if isinstance(r, dict)
        ],
        identified_language=_sure_language(verdict),
        reply_language=reply_language,
    )


def _conversation(sender_id: str, sender_events: list[TrackerEvent]) -> Conversation | None:
    turns: list[Turn] = []
    opening: list[Reply] = []
    language = DEFAULT_LANGUAGE
    for event in sender_events:
        kind = event.type_name
        if kind == "user":
            turns.append(_turn(event, language))
        elif kind == "bot":
            (turns[-1].replies if turns else opening).append(_reply(event.data))
        elif kind == "action" and turns:
            name = _text(event.data.get("name"))
            if name and name not in QUIET_ACTIONS:
                turns[-1].actions.append(name)
        elif kind == "slot" and event.data.get("name") == LANGUAGE_SLOT:
            value = event.data.get("value")
            language = value if value in LANGUAGES else language
            if turns:
                turns[-1].reply_language = language
    if not turns:
        return None  # a session opened (e.g. the widget loaded) but nobody wrote
    return Conversation(sender_id, turns[0].at, turns, language, opening)


def build_conversations(tracker_events: Iterable[TrackerEvent]) -> list[Conversation]:
    """Conversations with at least one resident message, newest first."""
    by_sender: dict[str, list[TrackerEvent]] = defaultdict(list)
    for event in tracker_events:
        by_sender[event.sender_id].append(event)
    conversations = [
        conversation
        for sender_id, sender_events in by_sender.items()
        if (conversation := _conversation(sender_id, sender_events)) is not None
    ]
    return sorted(conversations, key=lambda c: (c.started_at, c.id), reverse=True)
