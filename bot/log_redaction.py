"""Logs without personal data, in every process Neuvo starts.

    python -m bot.log_redaction MODULE [ARGS ...]

runs ``python -m MODULE ARGS`` (rasa, rasa_sdk, bot.web) after installing a
log record factory that redacts each record as it is made (bot.privacy): its
message with the arguments filled in, its traceback and its stack. A factory,
not a filter or a handler, because it sees every record of the process
whichever logger, handler or format the program (Rasa, Sanic, structlog,
aiohttp) sets up later. Uncaught exceptions are printed redacted too.
"""

from __future__ import annotations

import logging
import runpy
import sys
import threading
import traceback
from collections.abc import Callable
from types import TracebackType

from bot.privacy import redact

_installed = False


def redact_record(record: logging.LogRecord) -> logging.LogRecord:
    """The record with its message, traceback and stack redacted, in place."""
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - arguments that do not fit the format
        message = f"{record.msg} {record.args}"
    record.msg = redact(message)
    record.args = None
    if record.exc_info:
        # Formatters print exc_text when it is set, whatever exc_info holds.
        record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)).rstrip())
        record.exc_info = None
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    return record


def _redacting(factory: Callable[..., logging.LogRecord]) -> Callable[..., logging.LogRecord]:
    def make_record(*args, **kwargs) -> logging.LogRecord:
        return redact_record(factory(*args, **kwargs))

    return make_record


def _print_redacted(
    kind: type[BaseException] | None,
    error: BaseException | None,
    trace: TracebackType | None,
) -> None:
    sys.stderr.write(redact("".join(traceback.format_exception(kind, error, trace))))


def install() -> None:
    """Redact every log record and uncaught exception of this process (once)."""
    global _installed
    if _installed:
        return
    logging.setLogRecordFactory(_redacting(logging.getLogRecordFactory()))
    sys.excepthook = _print_redacted
    threading.excepthook = lambda hook: _print_redacted(
        hook.exc_type, hook.exc_value, hook.exc_traceback
    )
    _installed = True


def main(argv: list[str]) -> None:
    if not argv:
        sys.exit("usage: python -m bot.log_redaction MODULE [ARGS ...]")
    install()
    module, *arguments = argv
    sys.argv = [module, *arguments]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main(sys.argv[1:])
