"""The example web app, served over HTTP against a real recd."""

from __future__ import annotations

import json
import os
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Dict, Iterator, Optional, Tuple

import pytest

import recd

from conftest import Daemon

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))
import webapp  # noqa: E402


@pytest.fixture
def app_url(daemon: Daemon) -> Iterator[str]:
    client = recd.Client(daemon.socket)
    server = webapp.serve(client, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield "http://127.0.0.1:%d" % server.server_port
    server.shutdown()
    server.server_close()
    client.close()


def fetch(url: str, data: Optional[Dict[str, Any]] = None) -> Tuple[int, Dict[str, str], bytes]:
    body = json.dumps(data).encode() if data is not None else None
    req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"} if body else {})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def test_page_has_a_search_box(app_url: str) -> None:
    status, headers, body = fetch(app_url + "/")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert b'<input id="q"' in body and b"/search?" in body and b'"/click"' in body


def test_search_returns_recommendations_or_a_clear_http_error(app_url: str) -> None:
    status, headers, body = fetch(app_url + "/search?q=red+lipstick+under+%2420&user=web-user")
    data = json.loads(body)
    assert headers["Content-Type"] == "application/json"
    if "--catalog" in os.environ.get("RECD_TEST_ARGS", ""):
        assert status == 200, (status, data)
        assert data["items"], "a daemon with a catalog returns recommendations for the search"
    if status == 200:
        assert data["query"] == "red lipstick under $20" and isinstance(data["items"], list)
        for item in data["items"]:
            assert item["id"] and isinstance(item["score"], float)
    else:
        # Started without a recommender: recd's UNAVAILABLE becomes a 503 that says what to do.
        assert status == 503, (status, data)
        assert data["status"] == "UNAVAILABLE" and "--catalog" in data["error"]


def test_click_is_logged_through_feedback(app_url: str) -> None:
    status, _, body = fetch(app_url + "/click", {"user": "web-user", "item": "PYT-1"})
    data = json.loads(body)
    if status == 200:
        assert data["ok"] is True and isinstance(data["sequence"], int)
    else:
        assert status == 503 and data["status"] == "UNAVAILABLE" and "--store" in data["error"]


def test_bad_input_is_a_400(app_url: str) -> None:
    status, _, body = fetch(app_url + "/search")
    assert status == 400 and "give a query" in json.loads(body)["error"]
    status, _, body = fetch(app_url + "/click", {"user": "only-user"})
    assert status == 400 and "needs both user and item" in json.loads(body)["error"]
    status, _, body = fetch(app_url + "/search?q=" + "x" * 600)
    assert status == 400 and "limit is 500" in json.loads(body)["error"]


def test_healthz_and_unknown_paths(app_url: str) -> None:
    assert fetch(app_url + "/healthz")[0] == 200
    assert fetch(app_url + "/nope")[0] == 404


def test_daemon_down_is_a_502(tmp_sockets) -> None:
    client = recd.Client(str(tmp_sockets / "absent.sock"), connect_timeout=0.1)
    app = webapp.App(client)
    seen = {}

    def start_response(status, headers):
        seen["status"] = status

    body = b"".join(app({"REQUEST_METHOD": "GET", "PATH_INFO": "/search", "QUERY_STRING": "q=tea"},
                        start_response))
    assert seen["status"] == "502 Bad Gateway"
    assert json.loads(body)["status"] == "RECD_UNREACHABLE"


def test_status_mapping() -> None:
    assert webapp.http_status(recd.Busy("x", status=4))[0].startswith("503")
    assert webapp.http_status(recd.NotFound("x", status=2))[0].startswith("404")
    assert webapp.http_status(recd.TooLarge("x", status=3)) == ("400 Bad Request", "TOO_LARGE")
    assert webapp.http_status(recd.Timeout("x"))[0].startswith("504")
    assert webapp.http_status(recd.Internal("x", status=6)) == ("500 Internal Server Error", "INTERNAL")
