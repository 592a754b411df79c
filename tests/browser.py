"""Browser tests' shared parts: headless Chromium (Debian's chromium + chromedriver,
driven by Selenium) and a web app in its own process.

``chromium()`` starts a browser with a fresh profile and stops it afterwards;
``viewport()`` sets the CSS viewport exactly (320 px, 200 % zoom);
``axe_violations()`` runs axe-core (npm, installed by scripts/bootstrap into
tools/widget/node_modules) on the page; ``web_app()`` serves the web app alone
on a database of the test's own.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from bot.localservers import free_port
from bot.settings import PROJECT_ROOT, Settings
from bot.stack import REDACTED, STOP_TIMEOUT_S, Stack, answers

try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
except ImportError:  # reported by chromium() as a failure, never a skip
    webdriver = None

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROME_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
NODE_MODULES = PROJECT_ROOT / "tools" / "widget" / "node_modules"
AXE_JS = NODE_MODULES / "axe-core" / "axe.min.js"
WEB_READY_TIMEOUT_S = 60


def require(path: Path, how: str) -> None:
    if not path.exists():
        pytest.fail(f"Browser tests need {path}; {how}", pytrace=False)


@contextmanager
def chromium(
    window: tuple[int, int] = (1280, 900),
    implicit_wait: float = 5,
    downloads: Path | None = None,
) -> Iterator[Any]:
    """A fresh headless Chromium whose page viewport is exactly `window` (CSS pixels).

    With `downloads`, files the page downloads land in that folder without a prompt.
    """
    for path in (CHROMIUM, CHROMEDRIVER):
        require(path, "install chromium and chromium-driver (scripts/bootstrap does it).")
    if webdriver is None:
        pytest.fail("Browser tests need Selenium: pip install -e '.[dev]'", pytrace=False)
    profile = tempfile.mkdtemp(prefix="neuvo-chromium-")
    width, height = window
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*CHROME_FLAGS, f"--window-size={width},{height}", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    if downloads is not None:
        prefs = {
            "download.default_directory": str(downloads),
            "download.prompt_for_download": False,
        }
        options.add_experimental_option("prefs", prefs)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        if downloads is not None:
            driver.execute_cdp_cmd(
                "Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
            )
        driver.implicitly_wait(implicit_wait)
        viewport(driver, width, height)
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def viewport(driver, width: int, height: int, scale: float = 1) -> None:
    """The page's CSS viewport; scale 2 at half the width is what 200 % zoom does."""
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": scale, "mobile": False},
    )


def reduced_motion(driver, on: bool) -> None:
    features = [{"name": "prefers-reduced-motion", "value": "reduce" if on else ""}]
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": features})


def wait_until(condition: Callable[[], Any], timeout: float = 30, what: str = "") -> Any:
    """The condition's first truthy value; fails naming `what` after the timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.1)


def wait_for_animations(driver) -> None:
    """Until the page's finite animations have ended: the chat panel fades in, and
    an element halfway through a fade reads as empty text and with other colours."""
    driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "Promise.all(document.getAnimations()"
        "  .filter((a) => a.effect.getComputedTiming().iterations !== Infinity)"
        "  .map((a) => a.finished.catch(() => null)))"
        ".then(() => done(true));"
    )


def axe_violations(driver) -> list[dict]:
    """axe-core's violations on the whole page (WCAG 2.1 A/AA and best practices),
    once the page's animations have ended."""
    require(AXE_JS, "run scripts/bootstrap (npm ci in tools/widget).")
    driver.execute_script(AXE_JS.read_text(encoding="utf-8"))
    wait_for_animations(driver)
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']})"
        ".then((r) => done(r.violations), (e) => done([{id: 'axe-error', help: String(e)}]));"
    )
    return [
        {"id": v["id"], "help": v["help"], "nodes": [n.get("target") for n in v.get("nodes", [])]}
        for v in result
    ]


def console_errors(driver) -> list[str]:
    """Severe console messages since the last call (a missing favicon aside)."""
    return [
        entry["message"]
        for entry in driver.get_log("browser")
        if entry["level"] == "SEVERE" and "favicon.ico" not in entry["message"]
    ]


@contextmanager
def web_app(var_dir: Path, database_url: str) -> Iterator[str]:
    """The web app alone, in its own process, on the given database: its base URL.

    No Rasa behind it: for pages that need only the database (the staff portal).
    """
    settings = Settings(
        rasa_port=free_port(),
        actions_port=free_port(),
        web_port=free_port(),
        var_dir=var_dir,
        database_url=database_url,
        redis_url="",
    )
    log_path = var_dir / "web.log"
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [sys.executable, *REDACTED, "bot.web"],
            cwd=PROJECT_ROOT,
            env=Stack(settings, Path()).environment(),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + WEB_READY_TIMEOUT_S
        while not answers(f"{settings.web_url}/health"):
            if process.poll() is not None or time.monotonic() > deadline:
                tail = log_path.read_text(encoding="utf-8", errors="replace")[-3000:]
                raise RuntimeError(f"the web app did not start; {log_path}:\n{tail}")
            time.sleep(0.2)
        yield settings.web_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
