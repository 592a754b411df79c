"""botfront's rasa-webchat (npm, UMD build) holds a conversation with our server.

A host page on another origin (a tiny HTTP server of the test's own, as a
municipality's site would be) loads rasa-webchat's lib/index.js and points it
at the web app, which relays socket.io to Rasa. Its page metadata travels
under `customData`, as rasa-webchat sends it: the municipality reaches the
conversation, so the assistant does not ask for it.
"""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.catalogue.models import Service
from bot.db import default_engine, session_scope
from tests.browser import NODE_MODULES, chromium, free_port, require, wait_until

pytestmark = pytest.mark.stack

WEBCHAT_JS = NODE_MODULES / "rasa-webchat" / "lib" / "index.js"
HOST_PAGE = """<!DOCTYPE html>
<html lang="fi">
<head><meta charset="utf-8"><title>Kunnan sivu</title></head>
<body>
<h1>Kunnan sivu rasa-webchatilla</h1>
<div id="webchat"></div>
<script src="webchat.js"></script>
<script>
  WebChat.default({
    selector: "#webchat",
    socketUrl: "%(server)s",
    socketPath: "/socket.io/",
    customData: {language: "fi", municipality: "710"},
    initPayload: "/greet",
    title: "Neuvo",
    params: {storage: "session"}
  }, null);
</script>
</body>
</html>
"""


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # the test's output stays readable
        pass


@pytest.fixture
def host_site(stack, tmp_path: Path) -> Iterator[str]:
    require(WEBCHAT_JS, "run scripts/bootstrap (npm ci in tools/widget).")
    shutil.copy(WEBCHAT_JS, tmp_path / "webchat.js")
    (tmp_path / "index.html").write_text(
        HOST_PAGE % {"server": stack.settings.web_url}, encoding="utf-8"
    )
    handler = functools.partial(QuietHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def replies_shown(driver) -> list[str]:
    # One script call: rasa-webchat re-renders its messages while they arrive.
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('.rw-response'))"
        ".map((n) => n.textContent).filter(Boolean);"
    )


def test_rasa_webchat_holds_a_conversation_with_our_server(stack, host_site) -> None:
    with chromium(implicit_wait=0) as driver:
        driver.get(f"{host_site}/index.html")
        # rasa-webchat shows its launcher once it is connected.
        wait_until(lambda: driver.find_elements("css selector", ".rw-launcher"), 30, "the launcher")
        driver.find_element("css selector", ".rw-launcher").click()
        greeting = wait_until(lambda: replies_shown(driver), 30, "rasa-webchat's greeting")
        assert greeting[0].startswith("Hei")

        field = wait_until(
            lambda: driver.find_elements("css selector", ".rw-new-message"), 10, "the input"
        )[0]
        field.send_keys("hammasta särkee")
        driver.find_element("css selector", ".rw-send").click()
        with session_scope(default_engine()) as session:
            unit = session.get(Service, "demo-oral-health-710").name("fi")
        answer = wait_until(
            lambda: [r for r in replies_shown(driver) if unit in r], 45, f"a reply naming {unit}"
        )
        assert answer

        # The conversation in Rasa: the municipality came with customData.
        session_id = driver.execute_script(
            "const raw = sessionStorage.getItem('chat_session');"
            "return raw ? JSON.parse(raw).session_id : null;"
        )
        assert session_id
        url = f"{stack.settings.rasa_url}/conversations/{session_id}/tracker"
        with urllib.request.urlopen(url, timeout=30) as response:
            tracker = json.loads(response.read())
        assert tracker["slots"]["municipality"] == "710"
        said = [e["text"] for e in tracker["events"] if e["event"] == "user"]
        assert said == ["/greet", "hammasta särkee"]
