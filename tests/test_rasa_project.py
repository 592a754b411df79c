"""Rasa's own checks: training data validation and test stories."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bot.settings import PROJECT_ROOT


def rasa(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "rasa", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_data_validates_without_warnings() -> None:
    result = rasa(
        "data",
        "validate",
        "--fail-on-warnings",
        "--domain",
        "domain",
        "--data",
        "data",
        "--config",
        "config.yml",
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


@pytest.mark.stack
def test_rasa_test_stories_pass(stack, model, tmp_path) -> None:
    result = rasa(
        "test",
        "core",
        "--model",
        str(model),
        "--stories",
        "tests/test_stories.yml",
        "--endpoints",
        "endpoints.yml",
        "--fail-on-prediction-errors",
        "--out",
        str(tmp_path / "results"),
        env=stack.environment(),
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
