"""Bad input never breaks anything: fuzzing the chat channels and the staff API (issue 7).

Hypothesis writes the requests: arbitrary JSON, broken JSON, bytes that are
not UTF-8, and messages that are empty, huge, full of control characters,
emoji, right-to-left text, HTML and script, SQL. The answer is never a server
error: it is the bot's reply, or a 4xx with a reason. The REST channel and the
chat proxy are the shared stack's; the staff API is a web app of its own on a
copy of the database, so that fuzzed steps (cancel, complete) touch nobody
else's callback requests.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.db import make_engine, session_scope
from bot.localservers import free_port
from bot.settings import PROJECT_ROOT, Settings
from bot.staff.accounts import create_user
from bot.staff.models import ADMIN
from bot.web.app import SENDER_RE, create_app

pytestmark = pytest.mark.stack

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
NASTY_TEXTS = [
    "",
    "   \n\t ",
    "\x00\x01\x02\x07\x1b[31mpunainen\x1b[0m\x7f",
    "😀🤒💊🦷" * 40,
    "أحتاج إلى طبيب أسنان",  # right-to-left
    "\u202ekäännetty teksti\u202c ja \u200b\u200d nollaleveät",
    "<script>alert('xss')</script>",
    '<img src=x onerror="alert(1)">hammaslääkäri',
    "'; DROP TABLE events; --",
    '" OR 1=1 --',
    "{{7*7}} ${7*7} %s%n",
    "x" * 100_000,
    "tandläkare " * 400,
    "\ud800 yksinäinen sijaismerkki",
]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=10,
)
texts = st.one_of(st.sampled_from(NASTY_TEXTS), st.text(max_size=300))


def encoded(value) -> bytes:
    # Lone surrogates cannot be UTF-8: JSON escapes them, as browsers do.
    return json.dumps(value).encode("utf-8")


def bodies(sender: st.SearchStrategy) -> st.SearchStrategy[bytes]:
    """Request bodies, from well-formed messages to garbage."""
    message = st.fixed_dictionaries(
        {"sender": sender, "message": texts},
        optional={"metadata": st.one_of(json_values, st.fixed_dictionaries({"language": texts}))},
    )
    return st.one_of(
        message.map(encoded),
        json_values.map(encoded),
        st.binary(max_size=200),
        st.sampled_from([b"{", b'{"sender": "x", "message": ', b"\xff\xfe{}", b"null", b""]),
    )


def post(url: str, body: bytes) -> requests.Response:
    return requests.post(url, data=body, headers={"Content-Type": "application/json"}, timeout=120)


def assert_clear_answer(response: requests.Response, allowed: set[int]) -> None:
    assert response.status_code in allowed, (response.status_code, response.text[:300])
    answer = response.json()
    if response.status_code == 200:
        assert isinstance(answer, list) and answer, "a reply, at least an apology"
        assert all(m.get("text") or m.get("custom") or m.get("buttons") for m in answer)
    else:
        assert isinstance(answer.get("error"), str) and answer["error"]


def assert_clear_refusal(response: requests.Response) -> None:
    """A reason: JSON {"error": ...} from our handlers, aiohttp's text for 404 and 405."""
    if response.headers.get("Content-Type", "").startswith("application/json"):
        assert response.json()["error"]
    else:
        assert response.text.strip()


def test_rest_channel_answers_everything_without_a_server_error(stack) -> None:
    url = f"{stack.settings.rasa_url}/webhooks/rest/webhook"

    @FUZZ
    @given(body=bodies(st.one_of(st.text(min_size=1, max_size=60), json_values)))
    def check(body: bytes) -> None:
        assert_clear_answer(post(url, body), {200, 400})

    check()


def test_chat_proxy_answers_everything_without_a_server_error(stack) -> None:
    url = f"{stack.settings.web_url}/api/chat"

    @FUZZ
    @given(body=bodies(st.one_of(st.from_regex(SENDER_RE), st.text(max_size=60))))
    def check(body: bytes) -> None:
        assert_clear_answer(post(url, body), {200, 400, 413})

    check()


def test_a_long_message_is_answered_in_reasonable_time(stack) -> None:
    """The longest message each channel takes, through the whole model."""
    started = time.monotonic()
    response = post(
        f"{stack.settings.rasa_url}/webhooks/rest/webhook",
        encoded({"sender": "fuzz-long-message", "message": "hammaslääkäri " * 357}),
    )
    assert_clear_answer(response, {200})
    assert time.monotonic() - started < 30


def test_a_body_over_the_limit_gets_a_json_refusal(stack) -> None:
    body = encoded({"sender": "fuzz-huge-body", "message": "a" * 100_000})
    response = post(f"{stack.settings.web_url}/api/chat", body)
    assert response.status_code == 413
    assert response.json()["error"] == "the request body is too large"


# --- the staff API, on a web app of its own -----------------------------------------


@pytest.fixture(scope="module")
def private_web_app(stack, tmp_path_factory) -> Iterator[str]:
    """A web app process on a copy of the stack's database, with an admin account."""
    var_dir = tmp_path_factory.mktemp("fuzz-web")
    database = var_dir / "neuvo.db"
    with sqlite3.connect(stack.settings.database_url.removeprefix("sqlite:///")) as source:
        with sqlite3.connect(database) as copy:
            source.backup(copy)
    engine = make_engine(f"sqlite:///{database}")
    with session_scope(engine) as session:
        create_user(session, "fuzz.admin", "fuzz-admin-password-1", ADMIN)
    engine.dispose()
    port = free_port()
    environment = {
        **os.environ,
        "NEUVO_WEB_PORT": str(port),
        "NEUVO_VAR_DIR": str(var_dir),
        "NEUVO_DATABASE_URL": f"sqlite:///{database}",
        "NEUVO_RASA_PORT": str(stack.settings.rasa_port),
        "NEUVO_RETENTION_INTERVAL_MINUTES": "0",
    }
    with open(var_dir / "web.log", "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.log_redaction", "bot.web"],
            cwd=PROJECT_ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                if requests.get(f"{url}/health", timeout=2).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def logged_in(url: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{url}/staff/login", timeout=10).text
    form_token = re.search(r'name="form_token" value="([^"]+)"', page).group(1)
    response = session.post(
        f"{url}/staff/login",
        data={
            "username": "fuzz.admin",
            "password": "fuzz-admin-password-1",
            "form_token": form_token,
        },
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 303
    session.headers["X-CSRF-Token"] = session.get(f"{url}/api/staff/me", timeout=10).json()[
        "csrf_token"
    ]
    return session


STAFF_API_PATHS = [
    "/api/staff/me",
    "/api/staff/callbacks",
    "/api/staff/callbacks/{id}",
    *[
        f"/api/staff/callbacks/{{id}}/{step}"
        for step in ("claim", "complete", "no-answer", "release", "cancel")
    ],
]
ids = st.one_of(
    st.integers(min_value=-5, max_value=60).map(str),
    st.sampled_from(["0", "99999999999999999999", "1e3", "' OR 1=1", "%00", "..%2f..", "😀"]),
    st.text(min_size=1, max_size=20),
)


def test_staff_api_answers_everything_without_a_server_error(private_web_app) -> None:
    session = logged_in(private_web_app)

    @FUZZ
    @given(
        path=st.sampled_from(STAFF_API_PATHS),
        callback_id=ids,
        method=st.sampled_from(["GET", "POST", "PUT", "DELETE"]),
        query=st.dictionaries(
            st.sampled_from(["unit", "urgency", "language", "state", "page", "x"]),
            # A URL cannot carry a lone surrogate: the client could not send it.
            texts.filter(lambda t: len(t) < 2000 and "\ud800" not in t),
            max_size=3,
        ),
        body=bodies(json_values),
    )
    def check(path, callback_id, method, query, body) -> None:
        target = path.format(id=urllib.parse.quote(callback_id, safe=""))
        response = session.request(
            method,
            f"{private_web_app}{target}",
            params=query,
            data=body,
            headers={"Content-Type": "application/json"},
            allow_redirects=False,
            timeout=60,
        )
        assert response.status_code < 500, (method, target, response.text[:300])
        if response.status_code >= 400:
            assert_clear_refusal(response)

    check()


def every_route() -> list[tuple[str, str]]:
    """(method, path) of every route of the web app, path parameters filled in oddly."""
    app = create_app(Settings())
    routes = set()
    for route in app.router.routes():
        if route.method in ("HEAD", "*") or route.resource is None:
            continue
        path = route.resource.canonical
        path = re.sub(r"\{[^}]+\}", "%3Cscript%3E1'%20OR%201=1", path)
        routes.add((route.method, path))
    # Logging out last, so that the admin's run covers every route first.
    return sorted(routes, key=lambda route: (route == ("POST", "/staff/logout"), route))


BAD_BODIES = [
    b"",
    b"{",
    b"\xff\xfe\x00",
    encoded("x" * 100_000).replace(b'"', b""),
    encoded(NASTY_TEXTS[2]),
]


@pytest.mark.parametrize("as_staff", [False, True], ids=["anonymous", "admin"])
def test_every_route_of_the_web_app_survives_bad_bodies(private_web_app, as_staff) -> None:
    http = logged_in(private_web_app) if as_staff else requests.Session()
    failures = []
    for method, path in every_route():
        for body in BAD_BODIES:
            for content_type in ("application/json", "application/x-www-form-urlencoded"):
                response = http.request(
                    method,
                    private_web_app + path,
                    data=body,
                    headers={"Content-Type": content_type},
                    allow_redirects=False,
                    timeout=60,
                )
                if response.status_code >= 500:
                    failures.append((method, path, body[:20], content_type, response.status_code))
    assert failures == []
