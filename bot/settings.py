"""Runtime settings, all from environment variables with working defaults.

The defaults are the embedded setup of the README's run command: SQLite files
under ``var/`` and the ports of shared/domain/CONTRACT.md.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


@dataclass(frozen=True)
class Settings:
    rasa_port: int = field(default_factory=lambda: _int("NEUVO_RASA_PORT", 5005))
    actions_port: int = field(default_factory=lambda: _int("NEUVO_ACTIONS_PORT", 5055))
    web_port: int = field(default_factory=lambda: _int("NEUVO_WEB_PORT", 8080))
    # Rasa's HTTP API has no token in the default run, so it listens on the
    # loopback only; the web app is the public face.
    rasa_host: str = field(default_factory=lambda: os.environ.get("NEUVO_RASA_HOST", "127.0.0.1"))
    # Required when rasa_host is not the loopback: Rasa's API then asks for it.
    rasa_token: str = field(default_factory=lambda: os.environ.get("NEUVO_RASA_TOKEN", ""))
    web_host: str = field(default_factory=lambda: os.environ.get("NEUVO_WEB_HOST", "127.0.0.1"))
    var_dir: Path = field(
        default_factory=lambda: Path(os.environ.get("NEUVO_VAR_DIR", PROJECT_ROOT / "var"))
    )
    models_dir: Path = field(
        default_factory=lambda: Path(os.environ.get("NEUVO_MODELS_DIR", PROJECT_ROOT / "models"))
    )
    # The one database setting: empty means SQLite files under var_dir (a pilot);
    # a PostgreSQL URL moves every table and Rasa's tracker store there (a county).
    database_url: str = field(default_factory=lambda: os.environ.get("NEUVO_DATABASE_URL", ""))
    # Redis for Rasa's lock store, e.g. redis://127.0.0.1:6379/1; empty means
    # Rasa's in-memory lock store, right for one Rasa process only.
    redis_url: str = field(default_factory=lambda: os.environ.get("NEUVO_REDIS_URL", ""))
    # Where the web app finds Rasa: empty means this machine's rasa_port; in a
    # cluster, the Rasa Service (e.g. http://neuvo-rasa:5005, docs/deployment.md).
    rasa_service_url: str = field(default_factory=lambda: os.environ.get("NEUVO_RASA_URL", ""))

    def __post_init__(self) -> None:
        if not self.database_url:
            object.__setattr__(self, "database_url", f"sqlite:///{self.var_dir / 'neuvo.db'}")

    @property
    def uses_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def tracker_db(self) -> Path:
        return self.var_dir / "tracker.db"

    @property
    def tracker_url(self) -> str:
        """Rasa's conversation events: the application database, except on SQLite.

        A SQLite file has one writer at a time, so there the events get a file
        of their own and the action server's writes do not queue behind Rasa's.
        """
        return f"sqlite:///{self.tracker_db}" if self.uses_sqlite else self.database_url

    @property
    def rasa_url(self) -> str:
        return self.rasa_service_url.rstrip("/") or f"http://127.0.0.1:{self.rasa_port}"

    @property
    def actions_url(self) -> str:
        return f"http://127.0.0.1:{self.actions_port}"

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"
