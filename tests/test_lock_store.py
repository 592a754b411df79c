"""The lock store of the scaled topology, against a real Redis.

Separate store objects (separate Redis connections) in separate threads with
their own event loops stand for separate Rasa processes.
"""

from __future__ import annotations

import asyncio
import threading
import urllib.parse
import uuid
from collections.abc import Callable

import pytest
from rasa.core.lock_store import LockStore
from rasa.utils.endpoints import EndpointConfig

from bot.localservers import ensure_redis
from bot.lock_store import SerialisedRedisLockStore
from tests.conftest import REDIS_URL

WORKERS = 4
ROUNDS = 25


@pytest.fixture(scope="module")
def make_store() -> Callable[[], LockStore]:
    ensure_redis(REDIS_URL)
    url = urllib.parse.urlsplit(REDIS_URL)

    def make() -> LockStore:
        return LockStore.create(
            EndpointConfig(
                url=url.hostname,
                type="bot.lock_store.SerialisedRedisLockStore",
                port=url.port or 6379,
                db=url.path.strip("/") or "0",
            )
        )

    return make


def most_holders_at_once(make_store: Callable[[], LockStore], conversation: str) -> int:
    """Every worker takes the conversation's lock ROUNDS times; returns the peak of holders."""
    guard = threading.Lock()
    holders = 0
    peak = 0
    failures: list[BaseException] = []
    start = threading.Barrier(WORKERS)

    async def take_turns(store: LockStore) -> None:
        nonlocal holders, peak
        for _ in range(ROUNDS):
            async with store.lock(conversation, wait_time_in_seconds=0.001):
                with guard:
                    holders += 1
                    peak = max(peak, holders)
                await asyncio.sleep(0.001)
                with guard:
                    holders -= 1

    def worker() -> None:
        store = make_store()
        start.wait()
        try:
            asyncio.run(take_turns(store))
        except BaseException as error:  # reported below with the peak
            failures.append(error)

    threads = [threading.Thread(target=worker) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, failures
    return peak


def test_the_configured_type_is_the_serialised_store(make_store) -> None:
    assert isinstance(make_store(), SerialisedRedisLockStore)


def test_one_conversation_is_handled_by_one_process_at_a_time(make_store) -> None:
    conversation = "lock-" + uuid.uuid4().hex
    assert most_holders_at_once(make_store, conversation) == 1
    # Nothing is left behind in Redis once everybody is served.
    assert make_store().get_lock(conversation) is None


def test_different_conversations_do_not_wait_for_each_other(make_store) -> None:
    first, second = make_store(), make_store()

    async def both() -> None:
        async with first.lock("lock-a-" + uuid.uuid4().hex):
            async with second.lock("lock-b-" + uuid.uuid4().hex):
                pass

    # Had the second waited for the first, this would time out.
    asyncio.run(asyncio.wait_for(both(), timeout=5))
