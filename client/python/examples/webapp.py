#!/usr/bin/env python3
"""A small shop search page on top of recd (standard library only, plus the recd client).

    python examples/webapp.py --socket /tmp/recd.sock --port 8080
    open http://127.0.0.1:8080/

Endpoints:
    GET  /                      the page: a search box and a user field
    GET  /search?q=...&user=... JSON: the query's intent and recommended items
    POST /click                 JSON or form body {user, item}: logs a click through FEEDBACK
    GET  /healthz               200 when recd answers PING

recd errors become HTTP errors with a JSON body {"error": message, "status": NAME}:
BAD_REQUEST / TOO_LARGE -> 400, NOT_FOUND -> 404, BUSY / UNAVAILABLE -> 503,
timeout -> 504, no daemon -> 502, anything else -> 500.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from socketserver import ThreadingMixIn
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIServer, make_server

try:
    import recd
except ImportError:  # run from a checkout without installing the package
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    import recd

StartResponse = Callable[[str, List[Tuple[str, str]]], Any]

MAX_QUERY_CHARS = 500
MAX_BODY_BYTES = 16 * 1024


def http_status(exc: recd.RecdError) -> Tuple[str, str]:
    """The HTTP status line and a short status name for a recd error."""
    if isinstance(exc, (recd.BadRequest, recd.TooLarge)):
        return "400 Bad Request", _name(exc)
    if isinstance(exc, recd.NotFound):
        return "404 Not Found", "NOT_FOUND"
    if isinstance(exc, (recd.Busy, recd.Unavailable)):
        return "503 Service Unavailable", _name(exc)
    if isinstance(exc, recd.Timeout):
        return "504 Gateway Timeout", "TIMEOUT"
    if isinstance(exc, recd.ConnectionFailed):
        return "502 Bad Gateway", "RECD_UNREACHABLE"
    return "500 Internal Server Error", _name(exc)


def _name(exc: recd.RecdError) -> str:
    try:
        return recd.Status(exc.status).name if exc.status is not None else type(exc).__name__
    except ValueError:
        return "STATUS_0x%04X" % exc.status  # type: ignore[str-format]


def intent_json(r: Any) -> Dict[str, Any]:
    return {
        "intent": r.intent, "confidence": round(r.confidence, 4), "oos": r.oos,
        "alternatives": [{"intent": a.intent, "confidence": round(a.confidence, 4)} for a in r.alternatives],
        "slots": [{"name": s.name, "text": s.text, "value": s.value, "negated": s.negated,
                   **({"min": s.min} if s.HasField("min") else {}), **({"max": s.max} if s.HasField("max") else {}),
                   **({"currency": s.currency} if s.currency else {})} for s in r.slots],
    }


class App:
    """The WSGI application; `client` is a thread-safe recd.Client shared by all requests."""

    def __init__(self, client: recd.Client, k: int = 10) -> None:
        self.client = client
        self.k = k

    def __call__(self, environ: Dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "/")
        try:
            if path == "/" and method in ("GET", "HEAD"):
                return self._send(start_response, "200 OK", PAGE.encode(), "text/html; charset=utf-8")
            if path == "/search" and method == "GET":
                return self._json(start_response, *self.search(parse_qs(environ.get("QUERY_STRING", ""))))
            if path == "/click" and method == "POST":
                return self._json(start_response, *self.click(self._form(environ)))
            if path == "/healthz" and method == "GET":
                self.client.ping(timeout=2)
                return self._json(start_response, "200 OK", {"ok": True})
            if path in ("/", "/search", "/click", "/healthz"):
                return self._json(start_response, "405 Method Not Allowed", {"error": "%s not allowed on %s"
                                                                            % (method, path)})
            return self._json(start_response, "404 Not Found", {"error": "no page at %s" % path})
        except recd.RecdError as exc:
            status, name = http_status(exc)
            headers = [("Retry-After", "1")] if isinstance(exc, recd.Busy) else []
            return self._json(start_response, status, {"error": exc.message, "status": name}, headers)
        except ValueError as exc:
            return self._json(start_response, "400 Bad Request", {"error": str(exc)})

    # ---- endpoints -------------------------------------------------------------------

    def search(self, params: Dict[str, List[str]]) -> Tuple[str, Dict[str, Any]]:
        """INTENT and RECOMMEND for the query, sent together on the one connection."""
        query = params.get("q", [""])[0].strip()
        user = params.get("user", [""])[0].strip()
        if not query and not user:
            raise ValueError("give a query (q=...) or a user (user=...)")
        if len(query) > MAX_QUERY_CHARS:
            raise ValueError("the query is %d characters; the limit is %d" % (len(query), MAX_QUERY_CHARS))
        k = int(params.get("k", [str(self.k)])[0])
        rec = self.client.submit(recd.ops.recommend(user=user, query=query, k=k))
        intent = self.client.submit(recd.ops.intent(query)) if query else None
        result: Dict[str, Any] = {"query": query, "user": user, "intent": None, "notes": []}
        items = rec.result()  # a recommender error is the page's error
        if intent is not None:
            try:
                result["intent"] = intent_json(intent.result())
            except (recd.Unavailable, recd.Busy) as exc:
                # The intent badge is a nicety: show results without it.
                result["notes"].append("intent: " + exc.message)
        result["items"] = [{"id": i.item_id, "title": i.title, "score": round(i.score, 4),
                            "explanation": i.explanation, "reasons": list(i.reasons)} for i in items.items]
        return "200 OK", result

    def click(self, form: Dict[str, str]) -> Tuple[str, Dict[str, Any]]:
        """FEEDBACK: a click by `user` on `item`."""
        user, item = form.get("user", "").strip(), form.get("item", "").strip()
        if not user or not item:
            raise ValueError("a click needs both user and item")
        r = self.client.feedback(user, item, "click")
        return "200 OK", {"ok": True, "duplicate": r.duplicate, "sequence": r.sequence}

    # ---- plumbing --------------------------------------------------------------------

    @staticmethod
    def _form(environ: Dict[str, Any]) -> Dict[str, str]:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > MAX_BODY_BYTES:
            raise ValueError("request body of %d bytes is over the %d byte limit" % (length, MAX_BODY_BYTES))
        raw = environ["wsgi.input"].read(length) if length else b""
        if environ.get("CONTENT_TYPE", "").startswith("application/json"):
            data = json.loads(raw.decode() or "{}")
            if not isinstance(data, dict):
                raise ValueError("expected a JSON object")
            return {str(k): str(v) for k, v in data.items()}
        return {k: v[0] for k, v in parse_qs(raw.decode()).items()}

    @staticmethod
    def _send(start_response: StartResponse, status: str, body: bytes, content_type: str,
              headers: Optional[List[Tuple[str, str]]] = None) -> List[bytes]:
        start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body))),
                                ("Cache-Control", "no-store")] + (headers or []))
        return [body]

    def _json(self, start_response: StartResponse, status: str, payload: Dict[str, Any],
              headers: Optional[List[Tuple[str, str]]] = None) -> List[bytes]:
        return self._send(start_response, status, json.dumps(payload).encode(), "application/json", headers)


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    """One thread per browser request; they all share the one recd connection."""

    daemon_threads = True


def serve(client: recd.Client, host: str = "127.0.0.1", port: int = 8080) -> WSGIServer:
    """A server (not yet serving) for the app on host:port; port 0 picks a free one."""
    return make_server(host, port, App(client), server_class=ThreadingWSGIServer)


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>recd shop search</title>
<style>
 body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#222}
 form{display:flex;gap:.5rem} input{padding:.5rem;font-size:1rem} #q{flex:1}
 .intent{margin:1rem 0;color:#555} .item{padding:.6rem 0;border-bottom:1px solid #eee}
 .item a{font-weight:600;cursor:pointer;color:#0645ad} .why{font-size:.85rem;color:#666}
 .error{color:#b00020;margin:1rem 0} .logged{color:#2e7d32;font-size:.8rem;margin-left:.5rem}
</style></head><body>
<h1>Shop search</h1>
<form id="f"><input id="q" name="q" placeholder="e.g. red lipstick under $20" autofocus>
<input id="user" name="user" placeholder="user id" value="demo-user" size="10"><button>Search</button></form>
<div id="intent" class="intent"></div><div id="error" class="error"></div><div id="results"></div>
<script>
const $ = id => document.getElementById(id);
function esc(s){return String(s).replace(/[&<>"']/g,c=>({"&":"&amp;","<":"&lt;",">":"&gt;",'"':"&quot;","'":"&#39;"}[c]));}
$("f").onsubmit = async e => {
  e.preventDefault(); $("error").textContent = ""; $("intent").textContent = ""; $("results").innerHTML = "";
  const p = new URLSearchParams({q: $("q").value, user: $("user").value});
  const r = await fetch("/search?" + p); const d = await r.json();
  if (!r.ok) { $("error").textContent = (d.status ? d.status + ": " : "") + d.error; return; }
  if (d.intent) $("intent").textContent = d.intent.oos ? "Out of scope" :
     "Intent: " + d.intent.intent + " (" + Math.round(d.intent.confidence*100) + "%)" +
     (d.intent.slots.length ? " - " + d.intent.slots.map(s => s.name + "=" + s.value).join(", ") : "");
  if (!d.items.length) $("results").textContent = "No items found.";
  $("results").innerHTML = d.items.map(i => '<div class="item"><a data-id="' + esc(i.id) + '">' + esc(i.title || i.id) +
     '</a><div class="why">' + esc(i.explanation) + '</div></div>').join("");
};
$("results").onclick = async e => {
  const a = e.target.closest("a[data-id]"); if (!a) return;
  const r = await fetch("/click", {method: "POST", headers: {"Content-Type": "application/json"},
                                   body: JSON.stringify({user: $("user").value, item: a.dataset.id})});
  const d = await r.json(); const note = document.createElement("span");
  note.className = r.ok ? "logged" : "error"; note.textContent = r.ok ? "click logged" : d.error; a.after(note);
};
</script></body></html>
"""


def main() -> None:
    parser = argparse.ArgumentParser(description="recd example shop search page")
    parser.add_argument("--socket", default=recd.default_socket_path(), help="recd socket path")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    args = parser.parse_args()
    client = recd.Client(args.socket)
    server = serve(client, args.host, args.port)
    print("serving http://%s:%d/ against recd at %s" % (args.host, server.server_port, args.socket), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        client.close()


if __name__ == "__main__":
    main()
