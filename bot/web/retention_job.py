"""The retention job: bot.retention.purge, at the web app's start and then regularly.

NEUVO_RETENTION_INTERVAL_MINUTES=60   how often; 0 turns the job off (e.g.
                                      when cron runs `neuvo purge` instead)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

from aiohttp import web

from bot.retention import purge
from bot.settings import Settings

log = logging.getLogger(__name__)


def job_interval() -> timedelta:
    return timedelta(minutes=float(os.environ.get("NEUVO_RETENTION_INTERVAL_MINUTES", 60)))


async def purge_regularly(settings: Settings, interval: timedelta) -> None:
    while True:
        try:
            deleted = await asyncio.to_thread(purge, settings)
            log.info("Retention: deleted %s", deleted.summary())
        except Exception:  # noqa: BLE001 - a database outage must not end the job
            log.exception("Retention purge failed; trying again at the next interval")
        await asyncio.sleep(interval.total_seconds())


def retention_job(
    settings: Settings,
) -> Callable[[web.Application], AsyncIterator[None]]:
    """A cleanup context running the job while the app runs."""

    async def run_while_serving(app: web.Application) -> AsyncIterator[None]:
        interval = job_interval()
        task = None
        if interval > timedelta(0):
            task = asyncio.create_task(purge_regularly(settings, interval))
        yield
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    return run_while_serving
