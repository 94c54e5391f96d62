"""The blocking recd client."""

from __future__ import annotations

import itertools
import os
import socket
import threading
import time
from typing import Any, Generic, Iterable, List, Optional, Tuple, TypeVar, Union

from . import ops as _ops
from . import recd_pb2 as pb
from ._connection import Connection, Pending
from ._frame import DEFAULT_MAX_BODY_BYTES, PROTOCOL_VERSION, Status, encode_request, opcode_name
from .ops import Call, ConsumedLike, EventLike, FiltersLike, ItemLike, WeightsLike
from .errors import ConnectionFailed, RecdError, Timeout, TooLarge, error_for_status  # noqa: F401

T = TypeVar("T")

DEFAULT_TIMEOUT = 10.0
"""Seconds a request waits for its response unless told otherwise."""
DEFAULT_CONNECT_TIMEOUT = 2.0
"""Seconds spent retrying to connect (e.g. while the daemon restarts) before giving up."""
DEFAULT_MAX_IN_FLIGHT = 128
"""Requests one connection keeps at the daemon at once; recd's own per-connection limit is 128."""


def default_socket_path() -> str:
    """$RECD_SOCKET, else $XDG_RUNTIME_DIR/recd.sock, else /tmp/recd.sock (the daemon's default)."""
    explicit = os.environ.get("RECD_SOCKET")
    if explicit:
        return explicit
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    return os.path.join(runtime, "recd.sock") if runtime else "/tmp/recd.sock"


class ResponseFuture(Generic[T]):
    """A request already sent; `result()` waits for its response.

    Lets one thread pipeline many requests on the connection. Each future must be
    resolved by at most one thread.
    """

    __slots__ = ("_client", "_conn", "_pending", "_call", "_deadline", "_value", "_resolved")

    def __init__(self, client: "Client", conn: Connection, pending: Pending, call: Call[T], deadline: float) -> None:
        self._client = client
        self._conn = conn
        self._pending = pending
        self._call = call
        self._deadline = deadline
        self._resolved = False

    def result(self, timeout: Optional[float] = None) -> T:
        """The response value; raises the request's RecdError subclass.

        `timeout` overrides the deadline set when the request was sent.
        """
        if not self._resolved:
            deadline = self._deadline if timeout is None else time.monotonic() + timeout
            self._value = self._client._wait(self._conn, self._pending, self._call, deadline)
            self._resolved = True
        return self._value


class Client:
    """A blocking client for recd, safe to share between threads.

    All threads' requests are pipelined on one Unix-socket connection and matched to
    responses by request id. When the daemon restarts, the next request reconnects
    (retrying for up to `connect_timeout` seconds); requests that were in flight when
    the connection broke raise ConnectionFailed and are not resent.

    >>> with Client("/tmp/recd.sock") as client:
    ...     client.ping()
    b''
    """

    def __init__(self, path: Optional[str] = None, *, timeout: float = DEFAULT_TIMEOUT,
                 connect_timeout: float = DEFAULT_CONNECT_TIMEOUT, max_in_flight: int = DEFAULT_MAX_IN_FLIGHT,
                 max_body_bytes: int = DEFAULT_MAX_BODY_BYTES) -> None:
        """Creates a client; it connects lazily, on the first request.

        Args:
            path: the daemon's socket; default :func:`default_socket_path`.
            timeout: default seconds each request waits for its response.
            connect_timeout: seconds to keep retrying a connection that is refused.
            max_in_flight: requests kept at the daemon at once; more wait their turn.
            max_body_bytes: largest request or response body; larger requests raise TooLarge unsent.
        """
        if max_in_flight < 1:
            raise ValueError("max_in_flight must be at least 1, found %d" % max_in_flight)
        self.path = path or default_socket_path()
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self.max_in_flight = max_in_flight
        self.max_body_bytes = max_body_bytes
        self._conn: Optional[Connection] = None
        self._connect_lock = threading.Lock()
        self._ids = itertools.count(1)
        self._closed = False
        self._version = PROTOCOL_VERSION  # tests change it to provoke UNSUPPORTED_VERSION

    # ---- lifecycle -------------------------------------------------------------------

    def connect(self) -> "Client":
        """Connects now instead of on the first request; returns self."""
        self._connection(time.monotonic() + self.connect_timeout)
        return self

    def close(self) -> None:
        """Closes the connection; requests still waiting raise ConnectionFailed. Idempotent."""
        self._closed = True
        with self._connect_lock:
            conn, self._conn = self._conn, None
        if conn is not None:
            conn.fail("the client was closed")

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # ---- operations ------------------------------------------------------------------

    def ping(self, payload: bytes = b"", *, timeout: Optional[float] = None) -> bytes:
        """PING: returns `payload` as echoed by the daemon."""
        return self.call(_ops.ping(payload), timeout=timeout)

    def embed(self, texts: Union[str, Iterable[str]], *, timeout: Optional[float] = None) -> List[List[float]]:
        """EMBED: one L2-normalised vector per text, in order (a single string counts as one text)."""
        return self.call(_ops.embed(texts), timeout=timeout)

    def intent(self, text: str, top_k: int = 0, *, timeout: Optional[float] = None) -> pb.IntentResponse:
        """INTENT: the top intent of `text`, its confidence, up to `top_k` alternatives (0 = server default)
        and the slots found."""
        return self.call(_ops.intent(text, top_k), timeout=timeout)

    def recommend(self, user: str = "", query: str = "", k: int = 0, *, filters: FiltersLike = None,
                  consumed: ConsumedLike = 0, weights: WeightsLike = None, diversity: float = 0.0,
                  timeout: Optional[float] = None) -> pb.RecommendResponse:
        """RECOMMEND: up to `k` items (0 = server default) for `user` and/or `query`, best first.

        `filters` and `weights` take messages or mappings of their fields; `consumed` a
        ConsumedPolicy value or name such as "exclude_seen"; `diversity` is the MMR lambda.
        """
        return self.call(_ops.recommend(user, query, k, filters=filters, consumed=consumed, weights=weights,
                                        diversity=diversity), timeout=timeout)

    def feedback(self, user: str, item: str, event: EventLike = "click", *, value: float = 0.0,
                 timestamp_ms: int = 0, idempotency_key: str = "",
                 timeout: Optional[float] = None) -> pb.FeedbackResponse:
        """FEEDBACK: records `event` ("view", "click", "add_to_cart", "purchase", "rating", "dislike")."""
        return self.call(_ops.feedback(user, item, event, value=value, timestamp_ms=timestamp_ms,
                                       idempotency_key=idempotency_key), timeout=timeout)

    def items_upsert(self, items: Iterable[ItemLike], *, timeout: Optional[float] = None) -> pb.ItemsResponse:
        """ITEMS upsert: inserts or replaces items (messages or mappings); `affected` counts them."""
        return self.call(_ops.items_upsert(items), timeout=timeout)

    def items_delete(self, ids: Union[str, Iterable[str]], *, timeout: Optional[float] = None) -> pb.ItemsResponse:
        """ITEMS delete: removes items; `affected` counts them, `missing` lists unknown ids."""
        return self.call(_ops.items_delete(ids), timeout=timeout)

    def items_get(self, ids: Union[str, Iterable[str]], *, timeout: Optional[float] = None) -> pb.ItemsResponse:
        """ITEMS get: the items found in `items`, unknown ids in `missing`."""
        return self.call(_ops.items_get(ids), timeout=timeout)

    def similar(self, item: str, k: int = 0, *, filters: FiltersLike = None,
                timeout: Optional[float] = None) -> pb.SimilarResponse:
        """SIMILAR: up to `k` items similar to `item` (0 = server default)."""
        return self.call(_ops.similar(item, k, filters=filters), timeout=timeout)

    def stats(self, *, timeout: Optional[float] = None) -> pb.StatsResponse:
        """STATS: uptime, per-op counters and latencies, queue, model and memory figures."""
        return self.call(_ops.stats(), timeout=timeout)

    def reload_intents(self, path: str = "", *, timeout: Optional[float] = None) -> pb.IntentsReloadResponse:
        """INTENTS_RELOAD: the daemon re-reads its start-up intents file; a non-empty `path` is refused (BadRequest)."""
        return self.call(_ops.reload_intents(path), timeout=timeout)

    def request(self, opcode: int, body: bytes = b"", *, timeout: Optional[float] = None) -> bytes:
        """Sends any opcode with a pre-serialised body; returns the OK response body."""
        return self.call(_ops.raw(opcode, body), timeout=timeout)

    # ---- pipelining ------------------------------------------------------------------

    def call(self, call: Call[T], *, timeout: Optional[float] = None) -> T:
        """Sends a prepared request (see recd.ops) and waits for its response."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        conn, pending = self._send(call, deadline)
        return self._wait(conn, pending, call, deadline)

    def submit(self, call: Call[T], *, timeout: Optional[float] = None) -> ResponseFuture[T]:
        """Sends a prepared request without waiting, e.g. ``client.submit(recd.ops.ping())``.

        Use it to keep many requests in flight from one thread.
        """
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        conn, pending = self._send(call, deadline)
        return ResponseFuture(self, conn, pending, call, deadline)

    # ---- internals -------------------------------------------------------------------

    def _send(self, call: Call[Any], deadline: float) -> Tuple[Connection, Pending]:
        if len(call.body) > self.max_body_bytes:
            raise TooLarge("request body of %d bytes exceeds the frame limit of %d bytes; split the request"
                           % (len(call.body), self.max_body_bytes), opcode=call.opcode)
        for attempt in range(2):
            conn = self._connection(deadline)
            pending = Pending(call.opcode)
            rid = conn.register(pending, self._next_id, deadline)
            if rid < 0:  # closed before anything was sent: retry on a new connection
                continue
            try:
                conn.send(encode_request(call.opcode, rid, call.body, version=self._version))
                return conn, pending
            except OSError as exc:
                # sendall failed before the whole frame was written, so the daemon cannot have
                # acted on it: safe to resend once on a fresh connection (the daemon restarted).
                conn.fail("could not send to recd at %s: %s" % (self.path, exc))
                if attempt == 1:
                    raise ConnectionFailed("could not send to recd at %s: %s" % (self.path, exc),
                                           opcode=call.opcode) from None
        raise ConnectionFailed("the connection to recd at %s closed twice while sending" % self.path,
                               opcode=call.opcode)

    def _next_id(self) -> int:
        """A request id in 1..2^32-1 (wrapping); the caller holds the connection's lock."""
        rid = next(self._ids) & 0xFFFFFFFF
        return rid if rid else next(self._ids) & 0xFFFFFFFF

    def _wait(self, conn: Connection, pending: Pending, call: Call[T], deadline: float) -> T:
        conn.wait(pending, deadline)
        if pending.error is not None:
            raise pending.error
        if pending.status == Status.OK:
            return call.parse(pending.body)
        raise error_for_status(pending.status, pending.body, call.opcode)

    def _connection(self, deadline: float) -> Connection:
        conn = self._conn
        if conn is not None and not conn.closed:
            return conn
        with self._connect_lock:
            if self._closed:
                raise ConnectionFailed("the client was closed")
            conn = self._conn
            if conn is not None and not conn.closed:
                return conn
            sock = self._dial(min(deadline, time.monotonic() + self.connect_timeout))
            self._conn = Connection(sock, self.path, self.max_in_flight, self.max_body_bytes)
            return self._conn

    def _dial(self, give_up_at: float) -> socket.socket:
        delay = 0.005
        while True:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                sock.settimeout(max(0.05, give_up_at - time.monotonic()))
                sock.connect(self.path)
                sock.settimeout(None)
                return sock
            except OSError as exc:
                sock.close()
                if time.monotonic() + delay >= give_up_at:
                    raise ConnectionFailed("cannot connect to recd at %s: %s; is the daemon running "
                                           "(recd --socket %s)?" % (self.path, exc.strerror or exc, self.path)) from None
                time.sleep(delay)
                delay = min(delay * 2, 0.2)

    def __repr__(self) -> str:
        state = "connected" if self._conn is not None and not self._conn.closed else "not connected"
        return "<recd.Client %s %s>" % (self.path, state)


__all__ = ["Client", "ResponseFuture", "default_socket_path", "RecdError", "opcode_name"]
