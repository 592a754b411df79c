"""neuvo: the command line of the platform.

neuvo run        train if needed, set up the database, start everything
neuvo train      train the model if the training data or config changed
neuvo init-db    create the application database's tables
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

from bot.catalogue.loader import catalogue_is_empty, load_all
from bot.catalogue.ptv import import_paths
from bot.db import engine_for, init_db, session_scope
from bot.settings import Settings
from bot.stack import Stack
from bot.training import ensure_model


def train(settings: Settings) -> Path:
    model, trained = ensure_model(settings.models_dir)
    print(f"{'Trained' if trained else 'Up to date'}: {model}")
    return model


def cmd_train(settings: Settings) -> int:
    train(settings)
    return 0


def cmd_init_db(settings: Settings) -> int:
    """Tables, then the catalogue (reference and demo data) when it is empty."""
    engine = engine_for(settings.database_url)
    init_db(engine)
    with session_scope(engine) as session:
        if catalogue_is_empty(session):
            counts = load_all(session, demo=True)
            print("Catalogue loaded: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    print(f"Database ready: {settings.database_url}")
    return 0


def cmd_run(settings: Settings) -> int:
    model = train(settings)
    cmd_init_db(settings)
    stopping = threading.Event()
    # SIGTERM (e.g. from a supervisor) stops as cleanly as Ctrl-C.
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    stack = Stack(settings, model)
    print("Starting the Rasa server, the action server and the web app ...")
    try:
        with stack:
            print(
                "\nNeuvo is running:\n"
                f"  demo page (fi)   {settings.web_url}/fi\n"
                f"  demo page (sv)   {settings.web_url}/sv\n"
                f"  REST channel     {settings.rasa_url}/webhooks/rest/webhook\n"
                f"  socket.io        {settings.rasa_url}/socket.io\n"
                f"  Rasa HTTP API    {settings.rasa_url}/model/parse\n"
                f"  action server    {settings.actions_url}/health\n"
                f"  logs             {settings.var_dir / 'logs'}\n"
                "Press Ctrl-C to stop."
            )
            while not stopping.wait(1.0):
                dead = [
                    s.name for s in stack.services if s.process and s.process.poll() is not None
                ]
                if dead:
                    print(
                        f"Stopped unexpectedly: {', '.join(dead)}; see the logs.", file=sys.stderr
                    )
                    return 1
    except KeyboardInterrupt:
        pass
    finally:
        print("\nStopping ...")
    print("Stopped.")
    return 0


def cmd_import_ptv(settings: Settings, paths: list[Path]) -> int:
    engine = engine_for(settings.database_url)
    init_db(engine)
    with session_scope(engine) as session:
        if catalogue_is_empty(session):
            load_all(session, demo=False)  # municipalities first: areas refer to them
        report = import_paths(session, paths)
    for origin, reason in report.skipped:
        print(f"skipped {origin}: {reason}", file=sys.stderr)
    print(report.summary())
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="neuvo", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("run", "train", "init-db"):
        sub.add_parser(name)
    ptv = sub.add_parser("import-ptv", help="import PTV open-API JSON")
    ptv.add_argument("paths", nargs="+", type=Path)
    args = parser.parse_args(argv)
    settings = Settings()
    if args.command == "import-ptv":
        return cmd_import_ptv(settings, args.paths)
    command = {"run": cmd_run, "train": cmd_train, "init-db": cmd_init_db}[args.command]
    return command(settings)


if __name__ == "__main__":
    sys.exit(main())
