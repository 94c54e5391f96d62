"""One blocking connection to recd: a socket, a reader thread and the requests in flight."""

from __future__ import annotations

import _thread
import logging
import socket
import threading
from typing import Dict, Optional

from ._frame import FrameReader, opcode_name
from .errors import ConnectionFailed, RecdError

log = logging.getLogger("recd")

_RECV_BYTES = 256 * 1024


class Pending:
    """A request waiting for its response; `done` is held until the response (or a failure) arrives.

    A bare lock rather than threading.Event: it is the cheapest thing a thread can
    block on with a timeout, and PING throughput at one connection depends on it.
    """

    __slots__ = ("done", "opcode", "status", "body", "error")

    def __init__(self, opcode: int) -> None:
        self.done = _thread.allocate_lock()
        self.done.acquire()
        self.opcode = opcode
        self.status = 0
        self.body = b""
        self.error: Optional[RecdError] = None


class Connection:
    """A connected socket plus the thread that reads responses and hands them to waiters.

    `lock` protects `pending` and `closed`; `send_lock` serialises writes so frames
    from many threads never interleave. They are separate so that a sender blocked
    on a full socket buffer never stops the reader from draining responses.
    """

    def __init__(self, sock: socket.socket, path: str, max_in_flight: int, max_body_bytes: int) -> None:
        self.sock = sock
        self.path = path
        self.lock = threading.Lock()
        self.send_lock = threading.Lock()
        self.pending: Dict[int, Pending] = {}
        self.closed = False
        # Requests this connection may have at the daemon at once (recd answers BUSY past
        # its per-connection limit). Released when the response arrives, not on timeout,
        # because a timed-out request still occupies a place at the daemon.
        self.slots = threading.BoundedSemaphore(max_in_flight)
        self._reader = FrameReader(max_body_bytes=max_body_bytes)
        self._thread = threading.Thread(target=self._read_loop, name="recd-reader %s" % path, daemon=True)
        self._thread.start()

    def send(self, data: bytes) -> None:
        """Writes one whole frame; raises OSError when the socket is gone."""
        with self.send_lock:
            self.sock.sendall(data)

    def fail(self, reason: str) -> None:
        """Closes the connection and fails every waiting request with ConnectionFailed(reason)."""
        with self.lock:
            if self.closed:
                return
            self.closed = True
            pending, self.pending = self.pending, {}
        try:
            self.sock.shutdown(socket.SHUT_RDWR)  # wakes the reader thread
        except OSError:
            pass
        for p in pending.values():
            p.error = ConnectionFailed(reason, opcode=p.opcode)
            p.done.release()

    def join(self, timeout: Optional[float] = None) -> None:
        """Waits for the reader thread to finish (after `fail`)."""
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    def _read_loop(self) -> None:
        sock, reader, lock, pending, slots = self.sock, self._reader, self.lock, self.pending, self.slots
        reason = "recd closed the connection"
        try:
            while True:
                try:
                    data = sock.recv(_RECV_BYTES)
                except OSError as exc:
                    reason = "connection to recd at %s broke: %s" % (self.path, exc)
                    break
                if not data:
                    reason = "recd at %s closed the connection before answering" % self.path
                    break
                try:
                    frames = reader.feed(data)
                except RecdError as exc:
                    reason = "recd at %s sent a malformed frame, dropping the connection: %s" % (self.path, exc.message)
                    break
                if not frames:
                    continue
                with lock:
                    if self.closed:
                        break
                    waiters = [(pending.pop(f.header.request_id, None), f) for f in frames]
                for p, f in waiters:
                    if p is None:
                        log.debug("recd: dropping a %s response for request id %d, which no one waits for",
                                  opcode_name(f.header.opcode), f.header.request_id)
                        continue
                    slots.release()
                    p.status = f.header.status
                    p.body = f.body
                    p.done.release()
        finally:
            self.fail(reason)
            sock.close()
