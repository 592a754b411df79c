"""Password hashing (Argon2id with argon2-cffi's recommended parameters) and rules."""

from __future__ import annotations

import secrets
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

HASHER = PasswordHasher()
MIN_LENGTH = 12
# Long enough for any passphrase; a cap keeps hashing cost bounded.
MAX_LENGTH = 1024


def hash_password(password: str, hasher: PasswordHasher = HASHER) -> str:
    return hasher.hash(password)


def verify_password(
    password_hash: str, password: str, hasher: PasswordHasher = HASHER
) -> tuple[bool, str | None]:
    """(matches, new hash) — a new hash when the stored one used older parameters."""
    try:
        hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False, None
    if hasher.check_needs_rehash(password_hash):
        return True, hasher.hash(password)
    return True, None


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return HASHER.hash(secrets.token_urlsafe(16))


def spend_verification_time(password: str) -> None:
    """Costs what a real check costs, so response times do not tell whether a
    username exists or is locked."""
    verify_password(_dummy_hash(), password)


def password_problem(password: str) -> str | None:
    """A text key (bot/staff/texts.py) naming what is wrong, or None."""
    if len(password) < MIN_LENGTH:
        return "password_too_short"
    if len(password) > MAX_LENGTH:
        return "password_too_long"
    return None
