"""PostgreSQL and Redis on this machine: started when down, databases made and dropped.

For `neuvo run --scaled`, the tests and the benchmarks on a developer's or
CI's machine (Debian's packages). Production runs both as managed services
(docs/deployment.md) and never calls this. ``PrivatePostgres`` is a throwaway
cluster of its own, for tests that stop and start the database server without
touching the shared one.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
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


def _as_postgres(command: list[str]) -> list[str]:
    """PostgreSQL's programs refuse to run as root: as the ``postgres`` user then."""
    return ["runuser", "-u", "postgres", "--", *command] if running_as_root() else command


def postgres_bin() -> Path:
    """The newest of Debian's /usr/lib/postgresql/<version>/bin with initdb in it."""
    found = [p.parent for p in Path("/usr/lib/postgresql").glob("*/bin/initdb")]
    if not found:
        raise RuntimeError("PostgreSQL's server programs are not installed (/usr/lib/postgresql)")
    return max(found, key=lambda p: float(p.parent.name))


class PrivatePostgres:
    """A PostgreSQL cluster of one's own: initdb into a temporary directory, trust auth.

    Listens on 127.0.0.1:``port`` and on a socket in its own directory only,
    so stopping it (``stop``) disturbs nobody else; ``remove`` stops it and
    deletes everything. As root the directory belongs to ``postgres``, which
    runs the programs.
    """

    def __init__(self, port: int) -> None:
        self.port = port
        self.bin = postgres_bin()
        # Not under pytest's tmp_path: as root that is private to root, and
        # a socket path must stay short (about 100 characters).
        self.directory = Path(tempfile.mkdtemp(prefix="neuvo-pg-"))
        self.data = self.directory / "data"
        self.log = self.directory / "postgres.log"
        if running_as_root():
            shutil.chown(self.directory, "postgres", "postgres")

    @property
    def server_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _pg_ctl(self, *arguments: str) -> None:
        subprocess.run(
            _as_postgres([str(self.bin / "pg_ctl"), "-D", str(self.data), *arguments]),
            check=True, stdout=subprocess.DEVNULL, timeout=START_TIMEOUT_S + 10,
        )  # fmt: skip

    def init(self) -> None:
        subprocess.run(
            _as_postgres([
                str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres",
                "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync",
            ]),
            check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1"
            " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._pg_ctl("-o", options, "-l", str(self.log), "-w", "-t", str(int(START_TIMEOUT_S)),
                     "start")  # fmt: skip
        _wait_for(lambda: postgres_answers(self.server_url), "The private PostgreSQL")

    def stop(self, mode: str = "fast") -> None:
        """``pg_ctl stop``: fast ends every session at once, as an outage does."""
        self._pg_ctl("-m", mode, "-w", "stop")

    def is_running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def remove(self) -> None:
        """Stops the cluster if it runs and deletes its directory."""
        try:
            if self.is_running():
                self.stop("immediate")
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self) -> PrivatePostgres:
        try:
            self.init()
            self.start()
        except BaseException:
            self.remove()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.remove()


def free_port() -> int:
    """A TCP port on the loopback that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
