"""An apology instead of silence when a part of the service fails.

Rasa 3.6 answers nothing useful when the action server is down: the failed
action's messages and events are dropped (MessageProcessor._run_action logs
the error and carries on), so a turn that needed it ends without a single
reply. When the tracker store cannot be read, Rasa's fail-safe wrapper starts
a blank conversation in memory and forgets it again. Both chat channels
(bot/channels/rest.py, bot/channels/socketio.py) therefore handle a message
through ``handle_or_apologise``: a tracker store that cannot be read means the
message is not taken at all, and a turn that produced no reply gets a short
apology in the resident's language with numbers to call (messages.yml
``service_unavailable``; national numbers only, never an invented one).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from bot.language.policy import DEFAULT_LANGUAGE, SERVICE_LANGUAGES, page_language
from bot.messages import text

if TYPE_CHECKING:  # the web app uses apology() without loading Rasa
    from rasa.core.channels.channel import UserMessage

log = logging.getLogger(__name__)

APOLOGY_KEY = "service_unavailable"


def apology(language: str) -> dict[str, str]:
    """The apology as a bot message."""
    return {"text": text(APOLOGY_KEY, language)}


def _primary_store(agent: Any) -> Any:
    # Rasa wraps the configured store in a FailSafeTrackerStore.
    store = agent.tracker_store
    return getattr(store, "_tracker_store", store)


def _store_available(agent: Any) -> bool:
    check = getattr(_primary_store(agent), "is_available", None)
    return check() if check is not None else True


async def _language(agent: Any, message: UserMessage, store_available: bool) -> str:
    """The conversation's language slot, else the page's, else Finnish."""
    language = None
    if store_available:
        try:
            tracker = await _primary_store(agent).retrieve(message.sender_id)
        except Exception:  # noqa: BLE001 - the apology must go out regardless
            log.warning("Could not read the conversation's language", exc_info=True)
            tracker = None
        # Only a language the conversation chose: the slot's initial value is no choice.
        slot = tracker.slots.get("language") if tracker is not None else None
        language = slot.value if slot is not None and slot.has_been_set else None
    if language in SERVICE_LANGUAGES:
        return language
    return page_language(message.metadata) or DEFAULT_LANGUAGE


async def _apologise(agent: Any, message: UserMessage, store_available: bool) -> None:
    language = await _language(agent, message, store_available)
    await message.output_channel.send_response(message.sender_id, apology(language))


async def handle_or_apologise(
    agent: Any,
    on_new_message: Callable[[UserMessage], Awaitable[Any]],
    message: UserMessage,
    replies_sent: Callable[[], int],
) -> None:
    """Handles the message; apologises when it cannot be taken or got no reply."""
    if not _store_available(agent):
        log.error("Message of %s not taken: the tracker store is unavailable", message.sender_id)
        await _apologise(agent, message, store_available=False)
        return
    try:
        await on_new_message(message)
    except Exception:  # noqa: BLE001 - Rasa's own channels log and go on too
        log.exception("Handling the message of %s failed", message.sender_id)
    if replies_sent() == 0:
        log.error("No reply to %s: a part of the service failed", message.sender_id)
        await _apologise(agent, message, store_available=True)
