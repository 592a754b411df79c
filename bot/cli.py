"""neuvo: the command line of the platform.

neuvo run        train if needed, set up the database, start everything
neuvo run --scaled   the same as nginx + 2 Rasa + 2 action servers on PostgreSQL and Redis
neuvo train      train the model if the training data or config changed
neuvo init-db    migrate the application database (Alembic) and load the demo data
neuvo create-user USERNAME --role ROLE   add a staff portal account
neuvo purge      delete what is past its retention period (bot/retention.py)
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

from bot import clock
from bot.appointments.demo import generate_demo_slots
from bot.catalogue.loader import catalogue_is_empty, load_all
from bot.catalogue.ptv import import_paths
from bot.db import engine_for, session_scope
from bot.retention import purge
from bot.scale import ScaledStack, describe, prepare_servers, scaled_settings
from bot.schema import upgrade
from bot.settings import Settings
from bot.stack import Stack
from bot.staff.accounts import DEMO_ADMIN, DEMO_ADMIN_FILE, ensure_demo_admin
from bot.staff.cli import add_create_user_command, cmd_create_user
from bot.training import ensure_model


def train(settings: Settings) -> Path:
    model, trained = ensure_model(settings.models_dir)
    print(f"{'Trained' if trained else 'Up to date'}: {model}")
    return model


def cmd_train(settings: Settings) -> int:
    train(settings)
    return 0


def cmd_init_db(settings: Settings) -> int:
    """Migrations, then the catalogue (reference and demo data) when it is empty."""
    engine = engine_for(settings.database_url)
    print(f"Schema: {upgrade(engine)}")
    with session_scope(engine) as session:
        if catalogue_is_empty(session):
            counts = load_all(session, demo=True)
            print("Catalogue loaded: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
        # Demo units get bookable times four weeks ahead, topped up on every start.
        added = generate_demo_slots(session, clock.now().date())
        if added:
            print(f"Demo appointment times added: {added}")
        demo_password = ensure_demo_admin(session, settings.var_dir)
    if demo_password:
        print(
            f"Staff portal account created: username {DEMO_ADMIN}, password {demo_password}"
            f" (saved in {settings.var_dir / DEMO_ADMIN_FILE})"
        )
    print(f"Database ready: {settings.database_url}")
    return 0


def cmd_run(settings: Settings, scaled: bool = False) -> int:
    model = train(settings)
    if scaled:
        settings = scaled_settings(settings)
        prepare_servers(settings)
    cmd_init_db(settings)
    stopping = threading.Event()
    # SIGTERM (e.g. from a supervisor) stops as cleanly as Ctrl-C.
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    stack = ScaledStack(settings, model) if scaled else Stack(settings, model)
    print("Starting the Rasa server, the action server and the web app ...")
    try:
        with stack:
            print(
                "\nNeuvo is running:\n"
                f"  demo page (fi)   {settings.web_url}/fi\n"
                f"  demo page (sv)   {settings.web_url}/sv\n"
                f"  staff portal     {settings.web_url}/staff"
                f"  (login: {settings.var_dir / DEMO_ADMIN_FILE})\n"
                f"  REST channel     {settings.rasa_url}/webhooks/rest/webhook\n"
                f"  socket.io        {settings.rasa_url}/socket.io\n"
                f"  Rasa HTTP API    {settings.rasa_url}/model/parse\n"
                f"  action server    {settings.actions_url}/health\n"
                f"  logs             {settings.var_dir / 'logs'}\n"
                "Press Ctrl-C to stop."
            )
            if scaled:
                print("Scaled topology:\n" + describe(stack))
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
    upgrade(engine)
    with session_scope(engine) as session:
        if catalogue_is_empty(session):
            load_all(session, demo=False)  # municipalities first: areas refer to them
        report = import_paths(session, paths)
    for origin, reason in report.skipped:
        print(f"skipped {origin}: {reason}", file=sys.stderr)
    print(report.summary())
    return 0


def cmd_purge(settings: Settings) -> int:
    print(f"Deleted: {purge(settings).summary()}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="neuvo", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("run", "train", "init-db", "purge"):
        sub.add_parser(name)
    sub.choices["run"].add_argument(
        "--scaled",
        action="store_true",
        help="nginx, 2 Rasa and 2 action servers on PostgreSQL and Redis (bot/scale.py)",
    )
    ptv = sub.add_parser("import-ptv", help="import PTV open-API JSON")
    ptv.add_argument("paths", nargs="+", type=Path)
    add_create_user_command(sub)
    args = parser.parse_args(argv)
    settings = Settings()
    if args.command == "import-ptv":
        return cmd_import_ptv(settings, args.paths)
    if args.command == "create-user":
        return cmd_create_user(settings, args)
    if args.command == "run":
        return cmd_run(settings, scaled=args.scaled)
    command = {"train": cmd_train, "init-db": cmd_init_db, "purge": cmd_purge}[args.command]
    return command(settings)


if __name__ == "__main__":
    sys.exit(main())
