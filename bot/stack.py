"""Starting and stopping the three processes: Rasa server, action server, web app.

Used by ``neuvo run`` and by the test suite, so tests exercise exactly what
residents get. Each process runs in its own process group and is told by the
kernel to stop if this process dies (PR_SET_PDEATHSIG), so no orphans stay.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from bot.settings import PROJECT_ROOT, Settings

_PR_SET_PDEATHSIG = 1
READY_TIMEOUT_S = 180.0
# Every process starts through bot.log_redaction: no personal data in its logs.
REDACTED = ["-m", "bot.log_redaction"]
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
STOP_TIMEOUT_S = 15.0


def _die_with_parent() -> None:
    os.setsid()
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:
        pass  # not Linux: Ctrl-C handling in Stack.stop still applies


@dataclass
class Service:
    name: str
    command: list[str]
    health_url: str
    process: subprocess.Popen | None = None
    log_path: Path | None = None


@dataclass
class Stack:
    settings: Settings
    model: Path
    services: list[Service] = field(default_factory=list)

    def environment(self) -> dict[str, str]:
        s = self.settings
        env = dict(os.environ)
        env.update(
            NEUVO_RASA_PORT=str(s.rasa_port),
            NEUVO_ACTIONS_PORT=str(s.actions_port),
            NEUVO_WEB_PORT=str(s.web_port),
            NEUVO_VAR_DIR=str(s.var_dir),
            NEUVO_TRACKER_DB=str(s.tracker_db),
            NEUVO_RASA_URL=s.rasa_url,
            NEUVO_TRACKER_URL=s.tracker_url,
            NEUVO_DATABASE_URL=s.database_url,
            NEUVO_REDIS_URL=s.redis_url,
            **lock_store_environment(s.redis_url),
            SANIC_HOST="127.0.0.1",
            PYTHONUNBUFFERED="1",
            # Rasa's own telemetry would try the network; there is none.
            RASA_TELEMETRY_ENABLED="false",
        )
        return env

    def _services(self) -> list[Service]:
        s = self.settings
        return [
            self.actions_service("actions", s.actions_port),
            self.rasa_service("rasa", s.rasa_port),
            Service("web", [sys.executable, *REDACTED, "bot.web"], f"{s.web_url}/health"),
        ]

    def actions_service(self, name: str, port: int) -> Service:
        return Service(
            name,
            [sys.executable, *REDACTED, "rasa_sdk", "--actions", "actions", "-p", str(port)],
            f"http://127.0.0.1:{port}/health",
        )

    def rasa_service(self, name: str, port: int) -> Service:
        token = self.settings.rasa_token
        if self.settings.rasa_host not in LOOPBACK_HOSTS and not token:
            raise RuntimeError(
                f"Rasa's HTTP API would be open to other machines on {self.settings.rasa_host}"
                " without a token: set NEUVO_RASA_TOKEN, or keep NEUVO_RASA_HOST=127.0.0.1"
            )
        command = [
            sys.executable, *REDACTED, "bot.rasa_server", "run", "--enable-api",
            "-i", self.settings.rasa_host, "-p", str(port),
            "--model", str(self.model),
            "--endpoints", "endpoints.yml", "--credentials", "credentials.yml",
            *(["--auth-token", token] if token else []),
        ]  # fmt: skip
        query = f"?{urllib.parse.urlencode({'token': token})}" if token else ""
        status = f"http://127.0.0.1:{port}/status{query}"
        return Service(name, command, status)

    def start(self) -> None:
        logs = self.settings.var_dir / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        self.services = self._services()
        for service in self.services:
            service.log_path = logs / f"{service.name}.log"
            self._launch(service)

    def _launch(self, service: Service) -> None:
        with open(service.log_path, "ab") as log:
            service.process = subprocess.Popen(
                service.command,
                cwd=PROJECT_ROOT,
                env=self.environment(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent,
            )

    def service(self, name: str) -> Service:
        return next(s for s in self.services if s.name == name)

    def kill(self, name: str) -> None:
        """SIGKILL one process group, as a crash would: no clean shutdown."""
        service = self.service(name)
        _signal_group(service.process, signal.SIGKILL)
        if service.process is not None:
            service.process.wait()

    def restart(self, name: str, timeout: float = READY_TIMEOUT_S) -> None:
        """Starts a killed or stopped service again and waits until it answers."""
        service = self.service(name)
        if service.process is not None and service.process.poll() is None:
            self.kill(name)
        self._launch(service)
        deadline = time.monotonic() + timeout
        while not answers(service.health_url):
            if service.process.poll() is not None:
                raise RuntimeError(f"{name} exited; see {service.log_path}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{name} not ready after {timeout:.0f} s")
            time.sleep(0.3)

    def wait_until_ready(self, timeout: float = READY_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout
        pending = list(self.services)
        while pending:
            for service in list(pending):
                if service.process is not None and service.process.poll() is not None:
                    raise RuntimeError(
                        f"{service.name} exited with {service.process.returncode}; "
                        f"see {service.log_path}:\n{_tail(service.log_path)}"
                    )
                if answers(service.health_url):
                    pending.remove(service)
            if pending and time.monotonic() > deadline:
                names = ", ".join(s.name for s in pending)
                raise TimeoutError(f"not ready after {timeout:.0f} s: {names}")
            if pending:
                time.sleep(0.5)

    def stop(self) -> None:
        """SIGTERM every process group, then SIGKILL what is still there."""
        for service in self.services:
            _signal_group(service.process, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_S
        for service in self.services:
            if service.process is None:
                continue
            try:
                service.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(service.process, signal.SIGKILL)
                service.process.wait()

    def __enter__(self) -> Stack:
        self.start()
        try:
            self.wait_until_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def lock_store_environment(redis_url: str) -> dict[str, str]:
    """The variables of endpoints.yml's lock_store: Redis when a URL is given."""
    if not redis_url:
        return dict(
            NEUVO_LOCK_STORE="in_memory",
            NEUVO_REDIS_HOST="",
            NEUVO_REDIS_PORT="",
            NEUVO_REDIS_DB="",
            NEUVO_REDIS_PASSWORD="",
        )
    url = urllib.parse.urlsplit(redis_url)
    return dict(
        NEUVO_LOCK_STORE="bot.lock_store.SerialisedRedisLockStore",
        NEUVO_REDIS_HOST=url.hostname or "127.0.0.1",
        NEUVO_REDIS_PORT=str(url.port or 6379),
        NEUVO_REDIS_DB=url.path.strip("/") or "0",
        NEUVO_REDIS_PASSWORD=urllib.parse.unquote(url.password or ""),
    )


def _signal_group(process: subprocess.Popen | None, sig: signal.Signals) -> None:
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        pass


def answers(url: str) -> bool:
    """Whether a health URL answers 200 now."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _tail(path: Path | None, lines: int = 30) -> str:
    if path is None or not path.exists():
        return ""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
