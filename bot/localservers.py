"""PostgreSQL and Redis on this machine: started when down, databases made and dropped.

For `neuvo run --scaled`, the tests and the benchmarks on a developer's or
CI's machine (Debian's packages). Production runs both as managed services
(docs/deployment.md) and never calls this.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import psycopg2
import redis
from psycopg2 import sql
from sqlalchemy.engine import make_url

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
START_TIMEOUT_S = 30.0
REDIS_DIRS = (Path("/var/lib/redis"), Path("/var/log/redis"))


def _connect(url: str, database: str | None = None):
    parsed = make_url(url)
    return psycopg2.connect(
        host=parsed.host or "127.0.0.1",
        port=parsed.port or 5432,
        user=parsed.username or "postgres",
        password=parsed.password or None,
        dbname=database or parsed.database or "postgres",
        connect_timeout=3,
    )


def postgres_answers(url: str) -> bool:
    try:
        _connect(url, "postgres").close()
        return True
    except psycopg2.OperationalError:
        return False


def redis_answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_timeout=2).ping())
    except (redis.ConnectionError, redis.TimeoutError):
        return False


def _wait_for(check, what: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not come up in {START_TIMEOUT_S:.0f} s")
        time.sleep(0.3)


def ensure_postgres(url: str) -> None:
    """Starts the local cluster (Debian's pg_ctlcluster) when nothing answers at ``url``."""
    if postgres_answers(url):
        return
    host = make_url(url).host or "127.0.0.1"
    clusters = Path("/etc/postgresql")
    if host not in LOOPBACK or not shutil.which("pg_ctlcluster") or not clusters.is_dir():
        raise RuntimeError(f"PostgreSQL does not answer at {host}; start it and retry")
    version = sorted(clusters.iterdir(), key=lambda p: float(p.name))[-1].name
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"], check=True
    )
    _wait_for(lambda: postgres_answers(url), "PostgreSQL")


def ensure_redis(url: str) -> None:
    """Starts a local redis-server without persistence when nothing answers at ``url``."""
    if redis_answers(url):
        return
    parsed = make_url(url)
    if (parsed.host or "127.0.0.1") not in LOOPBACK or not shutil.which("redis-server"):
        raise RuntimeError(f"Redis does not answer at {url}; start it and retry")
    for directory in REDIS_DIRS:
        directory.mkdir(parents=True, exist_ok=True)
    # The lock store keeps only short-lived locks: nothing to persist.
    subprocess.run(
        ["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "-::1",
         "--port", str(parsed.port or 6379), "--save", "", "--appendonly", "no",
         "--dir", str(REDIS_DIRS[0]), "--logfile", str(REDIS_DIRS[1] / "ci.log")],
        check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    _wait_for(lambda: redis_answers(url), "Redis")


def _database_exists(server_url: str, name: str) -> bool:
    connection = _connect(server_url, "postgres")
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            return cursor.fetchone() is not None
    finally:
        connection.close()


def _admin(server_url: str, statement: sql.Composable) -> None:
    connection = _connect(server_url, "postgres")
    connection.autocommit = True  # CREATE/DROP DATABASE cannot run in a transaction
    try:
        with connection.cursor() as cursor:
            cursor.execute(statement)
    finally:
        connection.close()


def ensure_database(url: str) -> None:
    """Creates the database of ``url`` when it does not exist yet."""
    name = make_url(url).database
    if name and not _database_exists(url, name):
        _admin(url, sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def create_database(server_url: str, name: str) -> str:
    """A new empty database on the server of ``server_url``; returns its URL."""
    _admin(server_url, sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def drop_database(server_url: str, name: str) -> None:
    # FORCE ends the connections that pools still hold (PostgreSQL 13+).
    _admin(
        server_url, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    )


def running_as_root() -> bool:
    return os.geteuid() == 0
