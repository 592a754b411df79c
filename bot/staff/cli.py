"""neuvo create-user: add a staff account from the command line."""

from __future__ import annotations

import argparse
import getpass
import sys

from bot.db import engine_for, init_db, session_scope
from bot.settings import Settings
from bot.staff.accounts import AccountError, create_user
from bot.staff.models import LANGUAGES, ROLES


def add_create_user_command(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("create-user", help="add a staff portal account")
    parser.add_argument("username")
    parser.add_argument("--role", required=True, choices=ROLES)
    parser.add_argument("--language", default="fi", choices=LANGUAGES, help="UI language")
    parser.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of standard input instead of asking",
    )


def _read_password(from_stdin: bool) -> str | None:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != password:
        print("The passwords differ.", file=sys.stderr)
        return None
    return password


def cmd_create_user(settings: Settings, args: argparse.Namespace) -> int:
    password = _read_password(args.password_stdin)
    if password is None:
        return 1
    engine = engine_for(settings.database_url)
    init_db(engine)
    try:
        with session_scope(engine) as session:
            user = create_user(session, args.username, password, args.role, args.language)
            username, role = user.username, user.role
    except AccountError as error:
        print(f"Not created: {error}", file=sys.stderr)
        return 1
    print(f"Created {role} {username}.")
    return 0
