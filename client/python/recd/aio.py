"""The asyncio recd client."""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from typing import Any, Dict, Iterable, List, Optional, Tuple, TypeVar, Union

from . import ops as _ops
from . import recd_pb2 as pb
from ._frame import DEFAULT_MAX_BODY_BYTES, PROTOCOL_VERSION, FrameReader, Status, encode_request, opcode_name
from .client import DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_IN_FLIGHT, DEFAULT_TIMEOUT, default_socket_path
from .errors import ConnectionFailed, RecdError, Timeout, TooLarge, error_for_status
from .ops import Call, ConsumedLike, EventLike, FiltersLike, ItemLike, WeightsLike

T = TypeVar("T")
log = logging.getLogger("recd")

_Result = Tuple[int, bytes]


class _Protocol(asyncio.Protocol):
    """One connection: matches response frames to the futures of requests in flight."""

    def __init__(self, path: str, max_in_flight: int, max_body_bytes: int) -> None:
        self.path = path
        self.max_in_flight = max_in_flight
        self.transport: Optional[asyncio.Transport] = None
        self.pending: Dict[int, "asyncio.Future[_Result]"] = {}
        self.closed = False
        # Places at the daemon; released when a response arrives, not on timeout.
        self.slots = asyncio.Semaphore(max_in_flight)
        self.reader = FrameReader(max_body_bytes=max_body_bytes)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        try:
            frames = self.reader.split(data)
        except RecdError as exc:
            self.fail("recd at %s sent a malformed frame, dropping the connection: %s" % (self.path, exc.message))
            return
        pending, slots = self.pending, self.slots
        closing = False
        for rid, status, opcode, body in frames:
            fut = pending.pop(rid, None)
            if fut is None and rid == 0 and status:
                # A connection-level error (e.g. BUSY: too many connections); the server then
                # closes. Every request pending here gets it (PROTOCOL.md section 7).
                self.pending = {}
                for other in pending.values():
                    if not other.done():
                        other.set_result((status, body))
                self.fail("recd at %s reported a connection error" % self.path)
                return
            if fut is None:
                log.debug("recd: dropping a %s response for request id %d, which no one waits for",
                          opcode_name(opcode), rid)
                continue
            slots.release()
            if not fut.done():
                fut.set_result((status, body))
            if status == Status.UNSUPPORTED_VERSION:
                closing = True
        if closing:
            # recd closes the connection after UNSUPPORTED_VERSION; send nothing more on it.
            self.fail("recd at %s closed the connection after UNSUPPORTED_VERSION" % self.path)

    def connection_lost(self, exc: Optional[Exception]) -> None:
        reason = ("connection to recd at %s broke: %s" % (self.path, exc) if exc
                  else "recd at %s closed the connection before answering" % self.path)
        self.fail(reason)

    def fail(self, reason: str) -> None:
        """Closes the connection and fails every request still waiting with ConnectionFailed(reason)."""
        if self.closed:
            return
        self.closed = True
        pending, self.pending = self.pending, {}
        for fut in pending.values():
            if not fut.done():
                fut.set_exception(ConnectionFailed(reason))
        # Wake every task waiting for a place on this connection; each sees `closed` and reconnects.
        for _ in range(self.max_in_flight):
            self.slots.release()
        if self.transport is not None:
            self.transport.close()


def _expire(fut: "asyncio.Future[_Result]", path: str, opcode: int) -> None:
    if not fut.done():
        fut.set_exception(Timeout("no response from recd at %s in time; the request may still complete" % path,
                                  opcode=opcode))


class AsyncClient:
    """An asyncio client for recd; use it from one event loop.

    Any number of tasks may call it at once: their requests are pipelined on one
    Unix-socket connection and matched to responses by request id. When the daemon
    restarts, the next request reconnects (retrying for up to `connect_timeout`
    seconds); requests in flight when the connection broke raise ConnectionFailed.

    ::

        async with AsyncClient("/tmp/recd.sock") as client:
            vectors = await client.embed(["red lipstick", "green tea"])
    """

    def __init__(self, path: Optional[str] = None, *, timeout: float = DEFAULT_TIMEOUT,
                 connect_timeout: float = DEFAULT_CONNECT_TIMEOUT, max_in_flight: int = DEFAULT_MAX_IN_FLIGHT,
                 max_body_bytes: int = DEFAULT_MAX_BODY_BYTES) -> None:
        """Creates a client; it connects lazily. Arguments as for :class:`recd.Client`."""
        if max_in_flight < 1:
            raise ValueError("max_in_flight must be at least 1, found %d" % max_in_flight)
        self.path = path or default_socket_path()
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self.max_in_flight = max_in_flight
        self.max_body_bytes = max_body_bytes
        self._proto: Optional[_Protocol] = None
        self._connect_lock: Optional[asyncio.Lock] = None
        self._ids = itertools.count(1)
        self._closed = False
        self._version = PROTOCOL_VERSION  # tests change it to provoke UNSUPPORTED_VERSION

    # ---- lifecycle -------------------------------------------------------------------

    async def connect(self) -> "AsyncClient":
        """Connects now instead of on the first request; returns self."""
        await self._connection(time.monotonic() + self.connect_timeout)
        return self

    async def close(self) -> None:
        """Closes the connection; requests still waiting raise ConnectionFailed. Idempotent."""
        self._closed = True
        proto, self._proto = self._proto, None
        if proto is not None:
            proto.fail("the client was closed")

    async def __aenter__(self) -> "AsyncClient":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    # ---- operations (see recd.Client for each one's meaning) ----------------------------

    async def ping(self, payload: bytes = b"", *, timeout: Optional[float] = None) -> bytes:
        """PING: returns `payload` as echoed by the daemon."""
        return await self.call(_ops.ping(payload), timeout=timeout)

    async def embed(self, texts: Union[str, Iterable[str]], *, timeout: Optional[float] = None) -> List[List[float]]:
        """EMBED: one L2-normalised vector per text, in order."""
        return await self.call(_ops.embed(texts), timeout=timeout)

    async def intent(self, text: str, top_k: int = 0, *, timeout: Optional[float] = None) -> pb.IntentResponse:
        """INTENT: top intent, confidence, alternatives and slots of `text`."""
        return await self.call(_ops.intent(text, top_k), timeout=timeout)

    async def recommend(self, user: str = "", query: str = "", k: int = 0, *, filters: FiltersLike = None,
                        consumed: ConsumedLike = 0, weights: WeightsLike = None, diversity: float = 0.0,
                        timeout: Optional[float] = None) -> pb.RecommendResponse:
        """RECOMMEND: up to `k` items for `user` and/or `query`, best first."""
        return await self.call(_ops.recommend(user, query, k, filters=filters, consumed=consumed, weights=weights,
                                              diversity=diversity), timeout=timeout)

    async def feedback(self, user: str, item: str, event: EventLike = "click", *, value: float = 0.0,
                       timestamp_ms: int = 0, idempotency_key: str = "",
                       timeout: Optional[float] = None) -> pb.FeedbackResponse:
        """FEEDBACK: records one user event on an item."""
        return await self.call(_ops.feedback(user, item, event, value=value, timestamp_ms=timestamp_ms,
                                             idempotency_key=idempotency_key), timeout=timeout)

    async def items_upsert(self, items: Iterable[ItemLike], *, timeout: Optional[float] = None) -> pb.ItemsResponse:
        """ITEMS upsert: inserts or replaces items."""
        return await self.call(_ops.items_upsert(items), timeout=timeout)

    async def items_delete(self, ids: Union[str, Iterable[str]], *,
                           timeout: Optional[float] = None) -> pb.ItemsResponse:
        """ITEMS delete: removes items by id."""
        return await self.call(_ops.items_delete(ids), timeout=timeout)

    async def items_get(self, ids: Union[str, Iterable[str]], *, timeout: Optional[float] = None) -> pb.ItemsResponse:
        """ITEMS get: items by id; unknown ids in `missing`."""
        return await self.call(_ops.items_get(ids), timeout=timeout)

    async def similar(self, item: str, k: int = 0, *, filters: FiltersLike = None,
                      timeout: Optional[float] = None) -> pb.SimilarResponse:
        """SIMILAR: up to `k` items similar to `item`."""
        return await self.call(_ops.similar(item, k, filters=filters), timeout=timeout)

    async def stats(self, *, timeout: Optional[float] = None) -> pb.StatsResponse:
        """STATS: daemon counters and latencies."""
        return await self.call(_ops.stats(), timeout=timeout)

    async def reload_intents(self, path: str = "", *, timeout: Optional[float] = None) -> pb.IntentsReloadResponse:
        """INTENTS_RELOAD: reloads intent definitions."""
        return await self.call(_ops.reload_intents(path), timeout=timeout)

    async def request(self, opcode: int, body: bytes = b"", *, timeout: Optional[float] = None) -> bytes:
        """Sends any opcode with a pre-serialised body; returns the OK response body."""
        return await self.call(_ops.raw(opcode, body), timeout=timeout)

    # ---- internals -------------------------------------------------------------------

    async def call(self, call: Call[T], *, timeout: Optional[float] = None) -> T:
        """Sends a prepared request (see recd.ops) and waits for its response."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        if len(call.body) > self.max_body_bytes:
            raise TooLarge("request body of %d bytes exceeds the frame limit of %d bytes; split the request"
                           % (len(call.body), self.max_body_bytes), opcode=call.opcode)
        loop = asyncio.get_running_loop()
        attempts = 0
        while True:
            attempts += 1
            proto = self._proto
            if proto is None or proto.closed:
                proto = await self._connection(deadline)
            if proto.slots.locked():
                try:
                    await asyncio.wait_for(proto.slots.acquire(), max(0.0, deadline - time.monotonic()))
                except asyncio.TimeoutError:
                    raise Timeout("gave up waiting for one of the %d in-flight places on the connection"
                                  % self.max_in_flight, opcode=call.opcode) from None
            else:
                await proto.slots.acquire()
            if proto.closed:  # broke while we waited for a place; nothing was sent
                continue
            rid = next(self._ids) & 0xFFFFFFFF
            while rid == 0 or rid in proto.pending:
                rid = next(self._ids) & 0xFFFFFFFF
            fut: "asyncio.Future[_Result]" = loop.create_future()
            proto.pending[rid] = fut
            transport = proto.transport
            transport.write(encode_request(call.opcode, rid, call.body, version=self._version))  # type: ignore[union-attr]
            if not transport.is_closing():  # type: ignore[union-attr]
                break
            # The first send failed at once (EPIPE: the daemon went away, e.g. restarted while
            # this loop was busy and has not seen the EOF yet), so no byte of this frame
            # reached a daemon: safe to send it once more on a fresh connection.
            del proto.pending[rid]
            proto.fail("could not send to recd at %s: the connection is closed" % self.path)
            if attempts >= 2:
                raise ConnectionFailed("could not send to recd at %s: the connection closed twice" % self.path,
                                       opcode=call.opcode)
        timer = loop.call_at(loop.time() + max(0.0, deadline - time.monotonic()), _expire, fut, self.path, call.opcode)
        try:
            status, body = await fut
        except ConnectionFailed as exc:
            raise ConnectionFailed(exc.message, opcode=call.opcode) from None
        finally:
            timer.cancel()
        if status == Status.OK:
            return call.parse(body)
        raise error_for_status(status, body, call.opcode)

    async def _connection(self, deadline: float) -> _Protocol:
        if self._connect_lock is None:
            self._connect_lock = asyncio.Lock()
        async with self._connect_lock:
            if self._closed:
                raise ConnectionFailed("the client was closed")
            proto = self._proto
            if proto is not None and not proto.closed:
                return proto
            give_up_at = min(deadline, time.monotonic() + self.connect_timeout)
            loop = asyncio.get_running_loop()
            delay = 0.005
            while True:
                try:
                    _, made = await asyncio.wait_for(
                        loop.create_unix_connection(
                            lambda: _Protocol(self.path, self.max_in_flight, self.max_body_bytes), self.path),
                        max(0.05, give_up_at - time.monotonic()))
                    self._proto = made
                    return made
                except (OSError, asyncio.TimeoutError) as exc:
                    if time.monotonic() + delay >= give_up_at:
                        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
                        raise ConnectionFailed("cannot connect to recd at %s: %s; is the daemon running "
                                               "(recd --socket %s)?" % (self.path, reason, self.path)) from None
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 0.2)

    def __repr__(self) -> str:
        state = "connected" if self._proto is not None and not self._proto.closed else "not connected"
        return "<recd.AsyncClient %s %s>" % (self.path, state)
