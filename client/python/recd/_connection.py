"""One blocking connection to recd: a socket and the requests in flight on it.

There is no reader thread. Waiting threads take turns reading ("leader/follower"):
the one thread that holds the reader role receives frames and hands each response to
the thread waiting for it; when its own response has come, it passes the role to
another waiting thread. A lone caller therefore reads its own response, with no
thread switch on the way back, which roughly halves a round trip's latency compared
with a dedicated reader thread (the rejected design: simpler, but every response
then crosses two threads).
"""

from __future__ import annotations

import _thread
import logging
import select
import socket
import struct
import threading
import time
from typing import Callable, Dict, Optional, Tuple

from ._frame import FrameReader, Status, opcode_name
from .errors import ConnectionFailed, RecdError, Timeout

log = logging.getLogger("recd")

# Below malloc's mmap threshold: socket.recv(n) allocates n bytes per call, and a larger
# n made every read an mmap/munmap pair (measured: ~15 us per PING round trip).
_RECV_BYTES = 64 * 1024
_RECV_SLICE = 0.1
_RECV_SLICE_TIMEVAL = struct.pack("@ll", 0, int(_RECV_SLICE * 1e6))


class Pending:
    """A request waiting for its response.

    `wake` is held while nobody has signalled the waiter; it is released once to say
    "your response is here" or "take over reading". Fields are guarded by the
    connection's `lock`.
    """

    __slots__ = ("wake", "opcode", "status", "body", "error", "finished", "sleeping")

    def __init__(self, opcode: int) -> None:
        # Made only if the owner ever has to sleep: a lone caller reads its own response.
        self.wake: Optional[_thread.LockType] = None
        self.opcode = opcode
        self.status = 0
        self.body = b""
        self.error: Optional[RecdError] = None
        self.finished = False
        # True while the owner is blocked on `wake` and may be signalled.
        self.sleeping = False


class Connection:
    """A connected socket plus the requests in flight on it.

    `lock` guards `pending`, `in_flight`, `closed`, `reading` and every Pending's fields;
    `send_lock` serialises writes so frames never interleave. They are separate so a
    sender blocked on a full socket buffer never stops the reader draining responses.
    """

    def __init__(self, sock: socket.socket, path: str, max_in_flight: int, max_body_bytes: int) -> None:
        self.sock = sock
        self.path = path
        self.lock = threading.Lock()
        self.send_lock = threading.Lock()
        self.pending: Dict[int, Pending] = {}
        self.closed = False
        self.reading = False
        # Requests at the daemon now, at most `max_in_flight` (recd answers BUSY past its
        # per-connection limit). A place is given back when the response arrives, not on
        # timeout, because a timed-out request still occupies a place at the daemon.
        self.in_flight = 0
        self.max_in_flight = max_in_flight
        self._reader = FrameReader(max_body_bytes=max_body_bytes)
        self._poll = select.poll()
        self._poll.register(sock, select.POLLIN)
        # Reads block in recv for at most _RECV_SLICE (a kernel receive timeout, which,
        # unlike socket.settimeout, leaves sendall blocking), so a reader whose deadline is
        # further away needs no poll call first: one syscall per response instead of two.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, _RECV_SLICE_TIMEVAL)

    def register(self, p: Pending, next_id: Callable[[], int], deadline: float) -> int:
        """Takes an in-flight place and a request id for `p`; -1 if the connection is closed.

        With every place taken and nobody reading, the caller reads responses itself
        (which frees places); otherwise one thread pipelining with submit() would wait
        forever for responses no one reads. Raises Timeout when `deadline` passes first.
        """
        while True:
            with self.lock:
                if self.closed:
                    return -1
                if self.in_flight < self.max_in_flight:
                    self.in_flight += 1
                    rid = next_id()
                    while rid in self.pending:
                        rid = next_id()
                    self.pending[rid] = p
                    return rid
                lead = not self.reading
                if lead:
                    self.reading = True
            if lead:
                try:
                    self._read_once(deadline)
                finally:
                    self._hand_off()
            else:
                time.sleep(0.0005)  # someone else reads; only when all places are taken
            if time.monotonic() >= deadline:
                raise Timeout("gave up waiting for one of the %d in-flight places on the connection"
                              % self.max_in_flight, opcode=p.opcode)

    def send(self, data: bytes) -> None:
        """Writes one whole frame; raises OSError when the socket is gone."""
        with self.send_lock:
            self.sock.sendall(data)

    def fail(self, reason: str, status: int = 0, body: bytes = b"") -> None:
        """Closes the connection and fails every waiting request with ConnectionFailed(reason),
        or, given a non-OK `status`, with that status's error and `body` (a connection-level
        error frame, PROTOCOL.md section 7)."""
        with self.lock:
            if self.closed:
                return
            self.closed = True
            pending, self.pending = self.pending, {}
            for p in pending.values():
                if status:
                    p.status, p.body = status, body
                else:
                    p.error = ConnectionFailed(reason, opcode=p.opcode)
                self._finish(p)
            close_now = not self.reading  # else the reader closes it when it hands off
        try:
            self.sock.shutdown(socket.SHUT_RDWR)  # wakes a reader blocked in poll or recv
        except OSError:
            pass
        if close_now:
            self.sock.close()

    def wait(self, p: Pending, deadline: float) -> None:
        """Blocks until `p` is finished (response or failure) or `deadline` passes (raises Timeout)."""
        lock = self.lock
        wake: Optional[_thread.LockType] = None
        while True:
            with lock:
                if p.finished:
                    return
                lead = not self.reading
                if lead:
                    self.reading = True
                else:
                    p.sleeping = True
                    wake = p.wake
                    if wake is None:
                        wake = p.wake = _thread.allocate_lock()
                        wake.acquire()
            if lead:
                try:
                    self._read_until(p, deadline)
                finally:
                    self._hand_off()
                if p.finished:
                    return
                raise self._timeout(p)
            assert wake is not None
            if not wake.acquire(timeout=max(0.0, deadline - time.monotonic())):
                with lock:
                    if p.sleeping:  # nobody signalled us: a real timeout
                        p.sleeping = False
                        raise self._timeout(p)
                # Signalled just as the wait timed out: consume the signal, then look again.
                wake.acquire()

    def _timeout(self, p: Pending) -> Timeout:
        # `p` stays in `pending`: its late response is read and dropped, freeing its slot.
        return Timeout("no response from recd at %s in time; the request may still complete" % self.path,
                       opcode=p.opcode)

    def _finish(self, p: Pending) -> None:
        """Marks `p` finished and wakes its owner if it sleeps. Caller holds `lock`."""
        p.finished = True
        if p.sleeping:
            p.sleeping = False
            p.wake.release()  # type: ignore[union-attr]

    def _hand_off(self) -> None:
        """Gives up the reader role, waking one sleeping waiter to take it over."""
        with self.lock:
            self.reading = False
            if self.closed:
                self.sock.close()
                return
            for q in self.pending.values():
                if q.sleeping:
                    q.sleeping = False
                    q.wake.release()  # type: ignore[union-attr]
                    return

    def _read_until(self, p: Pending, deadline: float) -> None:
        """As the reader: receives and dispatches frames until `p` finishes or `deadline` passes."""
        while not p.finished and self._read_once(deadline):
            pass

    def _read_once(self, deadline: float) -> bool:
        """As the reader: waits for bytes until `deadline` and dispatches the frames they complete.

        Returns False when the deadline passed or the connection failed.
        """
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        try:
            if remaining < _RECV_SLICE and not self._poll.poll(remaining * 1000.0):
                return True
            data = self.sock.recv(_RECV_BYTES)
        except BlockingIOError:  # the receive timeout passed without data: look at the deadline again
            return True
        except OSError as exc:
            self.fail("connection to recd at %s broke: %s" % (self.path, exc))
            return False
        if not data:
            self.fail("recd at %s closed the connection before answering" % self.path)
            return False
        try:
            frames = self._reader.split(data)
        except RecdError as exc:
            self.fail("recd at %s sent a malformed frame, dropping the connection: %s" % (self.path, exc.message))
            return False
        closing = False
        connection_error: Optional[Tuple[int, bytes]] = None
        if frames:
            with self.lock:
                pending = self.pending
                for rid, status, opcode, body in frames:
                    q = pending.pop(rid, None)
                    if q is None and rid == 0 and status:
                        connection_error = (status, body)  # e.g. BUSY: too many connections
                        continue
                    if q is None:
                        log.debug("recd: dropping a %s response for request id %d, which no one waits for",
                                  opcode_name(opcode), rid)
                        continue
                    self.in_flight -= 1
                    q.status = status
                    q.body = body
                    self._finish(q)
                    if status == Status.UNSUPPORTED_VERSION:
                        closing = True
        if connection_error is not None:
            self.fail("recd at %s reported a connection error" % self.path, *connection_error)
            return False
        if closing:
            # recd answers UNSUPPORTED_VERSION and then closes the connection: stop using it
            # now, so the next request goes to a fresh connection instead of a dying one.
            self.fail("recd at %s closed the connection after UNSUPPORTED_VERSION" % self.path)
            return False
        return True
