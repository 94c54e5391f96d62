"""Each error status the daemon can be made to send arrives as its exception type."""

from __future__ import annotations

import socket
import threading
import time

import pytest

import recd
from recd import _frame, recd_pb2 as pb

from conftest import Daemon, retry_busy


def test_bad_request(client: recd.Client) -> None:
    with pytest.raises(recd.BadRequest) as info:
        client.embed([])
    assert info.value.status == recd.Status.BAD_REQUEST and "at least one text" in info.value.message
    with pytest.raises(recd.BadRequest, match="not a valid recd.v1.EmbedRequest"):
        client.request(recd.Opcode.EMBED, b"\xff\xff\xff")
    assert client.ping(b"still usable") == b"still usable"


def test_too_large_from_daemon_and_client(client: recd.Client) -> None:
    with pytest.raises(recd.TooLarge, match="4096"):
        client.embed(["x" * 5000])
    with pytest.raises(recd.TooLarge, match="exceeds the frame limit") as info:
        client.embed(["y" * 4000] * 1100)  # > 4 MiB: refused before sending, connection kept
    assert info.value.status == recd.Status.TOO_LARGE
    assert client.ping(b"ok") == b"ok"


def test_reload_refuses_a_path(client: recd.Client) -> None:
    # No message names a file: the daemon only re-reads the intents file it was started with.
    with pytest.raises(recd.BadRequest) as info:
        client.reload_intents("/nonexistent/intents.jsonl")
    assert "path" in info.value.message and "--intents" in info.value.message


def test_unknown_opcode_keeps_the_connection(client: recd.Client) -> None:
    with pytest.raises(recd.UnknownOpcode, match="0x42") as info:
        client.request(0x42, b"ignored body")
    assert info.value.status == recd.Status.UNKNOWN_OPCODE
    assert client.ping(b"after") == b"after"


def test_unsupported_version_then_reconnects(daemon: Daemon) -> None:
    with recd.Client(daemon.socket) as c:
        c.ping()
        c._version = 2
        with pytest.raises(recd.UnsupportedVersion) as info:
            c.ping()
        assert info.value.supported_versions == [1] and "version 2" in info.value.message
        c._version = 1
        assert c.ping(b"v1 again") == b"v1 again"  # the daemon closed that connection; a new one is made


def test_busy_when_the_queue_is_full(slow_daemon: Daemon) -> None:
    with recd.Client(slow_daemon.socket, timeout=30) as c:
        futures = [c.submit(recd.ops.embed(["t%d" % i])) for i in range(8)]
        outcomes = []
        for f in futures:
            try:
                outcomes.append(len(f.result()))
            except recd.Busy as exc:
                assert exc.status == recd.Status.BUSY and "retry with backoff" in exc.message
                outcomes.append("busy")
        assert "busy" in outcomes and 1 in outcomes, outcomes


def test_timeout_then_the_late_response_is_dropped(slow_daemon: Daemon) -> None:
    with recd.Client(slow_daemon.socket) as c:
        start = time.monotonic()
        with pytest.raises(recd.Timeout) as info:
            c.embed(["slow"], timeout=0.05)
        assert time.monotonic() - start < 0.25 and isinstance(info.value, TimeoutError)
        time.sleep(0.4)  # the late response arrives and is dropped
        assert c.ping(b"fine") == b"fine"
        assert len(retry_busy(lambda: c.embed(["next"], timeout=10))[0]) == 384


def test_no_daemon_is_a_connection_error(tmp_sockets) -> None:
    c = recd.Client(str(tmp_sockets / "nobody.sock"), connect_timeout=0.2)
    start = time.monotonic()
    with pytest.raises(recd.ConnectionFailed, match="is the daemon running"):
        c.ping()
    assert time.monotonic() - start < 2


class StatusServer:
    """A stand-in daemon answering each request with the status in its PING payload.

    It lets every status, including INTERNAL and NOT_FOUND that a healthy recd with
    the fake encoder never sends, travel through the client's real socket path.
    """

    def __init__(self, path: str) -> None:
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(path)
        self.listener.listen()
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self) -> None:
        conn, _ = self.listener.accept()
        reader = _frame.FrameReader(expect_response=False)
        while True:
            data = conn.recv(65536)
            if not data:
                return
            for f in reader.feed(data):
                status = pb.PingRequest.FromString(f.body).payload[0]
                body = pb.Error(message="status %d from the stand-in" % status,
                                supported_versions=[1]).SerializeToString() if status else f.body
                conn.sendall(_frame.encode_header(f.header.opcode, f.header.request_id, len(body),
                                                  is_response=True, status=status) + body)


@pytest.mark.parametrize("status,cls", [
    (1, recd.BadRequest), (2, recd.NotFound), (3, recd.TooLarge), (4, recd.Busy), (5, recd.Unavailable),
    (6, recd.Internal), (7, recd.UnknownOpcode), (8, recd.UnsupportedVersion), (0x30, recd.RecdError),
])
def test_every_status_over_a_socket(tmp_sockets, status: int, cls) -> None:
    path = str(tmp_sockets / ("status%d.sock" % status))
    StatusServer(path)
    with recd.Client(path) as c:
        with pytest.raises(cls) as info:
            c.ping(bytes([status]))
        assert type(info.value) is cls and info.value.status == status
        assert "status %d from the stand-in" % status in info.value.message


def test_unsupported_version_async_then_reconnects(daemon: Daemon) -> None:
    import asyncio

    async def main() -> None:
        async with recd.AsyncClient(daemon.socket) as c:
            await c.ping()
            c._version = 7
            with pytest.raises(recd.UnsupportedVersion, match="version 7"):
                await c.ping()
            c._version = 1
            assert await c.ping(b"v1") == b"v1"

    asyncio.run(main())


def test_connection_level_error_fails_every_pending_request(tmp_sockets) -> None:
    """A frame with request id 0 and a non-OK status (PROTOCOL.md section 7) reaches every waiter."""
    import asyncio

    path = str(tmp_sockets / "connerr.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen()

    def serve() -> None:
        for _ in range(2):
            conn, _ = listener.accept()
            conn.recv(65536)
            body = pb.Error(message="recd already has 1024 open connections").SerializeToString()
            conn.sendall(_frame.encode_header(0, 0, len(body), is_response=True, status=4) + body)
            conn.close()

    threading.Thread(target=serve, daemon=True).start()
    with recd.Client(path) as c:
        with pytest.raises(recd.Busy, match="1024 open connections"):
            c.ping()

    async def main() -> None:
        async with recd.AsyncClient(path) as c:
            with pytest.raises(recd.Busy, match="1024 open connections"):
                await c.ping()

    asyncio.run(main())
    listener.close()
