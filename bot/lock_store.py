"""A Redis lock store that several Rasa processes can share safely.

Rasa's RedisLockStore issues a ticket by reading the conversation's lock from
Redis, adding a ticket and writing the lock back. Two Rasa processes doing that
at the same moment both get the same ticket, handle one conversation's messages
at once, and one turn's events are overwritten in the tracker store
(RasaHQ/rasa#9213; the fix, ConcurrentRedisLockStore, ships only in Rasa Pro).
Here each read-modify-write step runs under a short Redis mutex (redis-py's
Lock: SET NX with an expiry), so tickets stay first come, first served across
processes.
"""

from __future__ import annotations

import logging

from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig
from redis.exceptions import LockError as RedisMutexError
from redis.exceptions import LockNotOwnedError

log = logging.getLogger(__name__)

# A step takes a few Redis round trips: milliseconds. The expiry matters only
# when a process dies holding the mutex; it outlasts two of Redis's socket
# timeouts (10 s), so that a slow step never loses the mutex halfway.
MUTEX_EXPIRY_SECONDS = 25.0
MUTEX_WAIT_SECONDS = 10.0
MUTEX_POLL_SECONDS = 0.005
# Its own key space: no conversation id can make its lock key a mutex key.
MUTEX_PREFIX = "neuvo_lock_mutex:"


class SerialisedRedisLockStore(RedisLockStore):
    """endpoints.yml: ``lock_store: type: bot.lock_store.SerialisedRedisLockStore``."""

    def __init__(self, endpoint_config: EndpointConfig) -> None:
        super().__init__(host=endpoint_config.url, **endpoint_config.kwargs)

    def _mutex(self, conversation_id: str):
        return self.red.lock(
            f"{MUTEX_PREFIX}{self.key_prefix}{conversation_id}",
            timeout=MUTEX_EXPIRY_SECONDS,
            sleep=MUTEX_POLL_SECONDS,
            blocking_timeout=MUTEX_WAIT_SECONDS,
        )

    def _serialised(self, conversation_id: str, step, *args):
        mutex = self._mutex(conversation_id)
        if not mutex.acquire():
            raise LockError(f"Lock store busy for '{conversation_id}'")
        try:
            return step(conversation_id, *args)
        finally:
            try:
                mutex.release()
            except (LockNotOwnedError, RedisMutexError):
                # Expired during a very slow step: the step itself is done.
                log.warning("The lock store's mutex expired during a step")

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        return self._serialised(conversation_id, super().issue_ticket, lock_lifetime)

    def update_lock(self, conversation_id: str) -> None:
        self._serialised(conversation_id, super().update_lock)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        self._serialised(conversation_id, super().cleanup, ticket_number)
