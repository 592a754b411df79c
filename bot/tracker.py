"""Rasa's SQL tracker store, writing conversations without personal data.

Configured in endpoints.yml as ``type: bot.tracker.RedactingTrackerStore``.
Every event is redacted (bot.privacy.redact_data) as a whole before it is
written: the resident's text and Rasa's parse data (text, entities), the
message metadata, the bot's texts and buttons, slot values. Redacting at the
door means no copy of an identity code, phone number, e-mail address or IBAN
can slip past in a field nobody thought of.

Rasa reads the tracker back from the store on every turn, so earlier turns
come back redacted: an action sees the resident's exact words only in the turn
they were written. That is why a callback's phone number waits in the
application database (bot/callbacks/phone_drafts.py), not in a slot.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy import create_engine, text
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy.orm import sessionmaker

from bot.privacy import redact_data

log = logging.getLogger(__name__)

# Lock waits of SQLite: the web app deletes and purges conversations in the
# same file, and a short write of theirs must not fail a resident's turn.
SQLITE_BUSY_TIMEOUT_MS = 10_000


def redacted_event(event: Event) -> dict[str, Any]:
    """The event as Rasa serialises it, every string redacted."""
    return redact_data(event.as_dict())


def _sqlite_busy_timeout(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


class RedactingTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            sqlalchemy_event.listen(self.engine, "connect", _sqlite_busy_timeout)
        else:
            self._ping_before_use()

    def _ping_before_use(self) -> None:
        """The same engine as Rasa's, but each pooled connection is tested before use.

        Rasa's engine has no pre-ping: after the database server restarts, every
        connection in its pool is dead, and the first turns after the restart
        fail on them (an apology while the database is up) until the pool has
        noticed. With pool_pre_ping a dead connection is replaced on checkout.
        """
        url = self.engine.url.render_as_string(hide_password=False)
        self.engine.dispose()
        self.engine = create_engine(url, pool_pre_ping=True, **create_engine_kwargs(url))
        self.sessionmaker = sessionmaker(bind=self.engine)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """SQLTrackerStore.save, with each new event redacted before it is written."""
        await self.stream_events(tracker)
        with self.session_scope() as session:
            for new_event in self._additional_events(session, tracker):
                data = redacted_event(new_event)
                parse_data = data.get("parse_data") or {}
                session.add(
                    self.SQLEvent(
                        sender_id=tracker.sender_id,
                        type_name=new_event.type_name,
                        timestamp=data.get("timestamp"),
                        intent_name=(parse_data.get("intent") or {}).get(INTENT_NAME_KEY),
                        action_name=data.get("name"),
                        data=json.dumps(data),
                    )
                )
            session.commit()
        log.debug("Tracker of %s stored (redacted)", tracker.sender_id)

    async def _stream_new_events(
        self, event_broker: EventBroker, new_events: list[Event], sender_id: str
    ) -> None:
        # An event broker is a copy of the conversation too.
        for new_event in new_events:
            event_broker.publish({"sender_id": sender_id, **redacted_event(new_event)})

    def is_available(self) -> bool:
        """True when the events table can be read right now."""
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1 FROM events LIMIT 1")).all()
        except Exception:  # noqa: BLE001 - any failure means "not now"
            log.warning("The tracker store is not available", exc_info=True)
            return False
        return True
