"""What review and analytics handlers share: the tracker store and blocking work off the loop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date
from typing import TypeVar

from aiohttp import web
from sqlalchemy.engine import Engine

from bot.review.period import local_day
from bot.staff.context import staff_context

TRACKER_KEY = web.AppKey("review_tracker", Engine)
T = TypeVar("T")


def tracker_engine(request: web.Request) -> Engine:
    return request.app[TRACKER_KEY]


def today(request: web.Request) -> date:
    """The Finnish day by the portal's clock (tests inject it)."""
    return local_day(staff_context(request).policy.clock())


async def off_loop(work: Callable[[], T]) -> T:
    """Reading and parsing a period's events takes a while: keep the server answering."""
    return await asyncio.get_running_loop().run_in_executor(None, work)
