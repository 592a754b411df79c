"""Training the Rasa model only when what it is trained from has changed."""

from __future__ import annotations

import fcntl
import hashlib
import subprocess
import sys
from pathlib import Path

from bot.settings import PROJECT_ROOT

# Everything the trained model depends on: the custom NLU components' code too.
TRAINING_INPUTS = ("config.yml", "domain", "data", "bot/nlu", "bot/language")
MODEL_PREFIX = "neuvo-"


def fingerprint(root: Path = PROJECT_ROOT) -> str:
    digest = hashlib.sha256()
    for name in TRAINING_INPUTS:
        path = root / name
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if file.suffix in (".pyc",) or "__pycache__" in file.parts:
                continue
            digest.update(str(file.relative_to(root)).encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def model_path(models_dir: Path, root: Path = PROJECT_ROOT) -> Path:
    return models_dir / f"{MODEL_PREFIX}{fingerprint(root)}.tar.gz"


def ensure_model(models_dir: Path, root: Path = PROJECT_ROOT) -> tuple[Path, bool]:
    """The model for the current training data; trains it first if it is missing.

    Returns the model's path and whether it was trained now.
    """
    target = model_path(models_dir, root)
    if target.exists():
        return target, False
    models_dir.mkdir(parents=True, exist_ok=True)
    # `make run` and test runs started side by side train the same model once:
    # the second waits here and then finds it.
    with open(models_dir / ".training.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if target.exists():
            return target, False
        return _train(models_dir, root, target), True


def _train(models_dir: Path, root: Path, target: Path) -> Path:
    command = [
        sys.executable, "-m", "rasa", "train",
        "--config", "config.yml", "--domain", "domain", "--data", "data",
        "--out", str(models_dir), "--fixed-model-name", target.name.removesuffix(".tar.gz"),
    ]  # fmt: skip
    subprocess.run(command, cwd=root, check=True)
    for old in models_dir.glob(f"{MODEL_PREFIX}*.tar.gz"):
        if old != target:
            old.unlink()
    return target
