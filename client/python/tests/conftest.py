"""Fixtures: a real recd daemon on a temporary socket.

RECD_BIN        the daemon binary (default: .build/debug/recd in the repo root)
RECD_TEST_ARGS  extra daemon flags (default: --fake-encoder); set it to e.g.
                "--model $RECD_WEIGHTS --catalog ... --intents ..." to test the real engines.
"""

from __future__ import annotations

import os
import shlex
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Iterator, List, Optional

import pytest

import recd
from recd import _frame

ROOT = Path(__file__).resolve().parents[3]
VECTORS = ROOT / "protocol" / "vectors"


def recd_bin() -> Path:
    path = Path(os.environ.get("RECD_BIN") or ROOT / ".build" / "debug" / "recd")
    return path if path.is_absolute() else ROOT / path


def recd_test_args() -> List[str]:
    return shlex.split(os.environ.get("RECD_TEST_ARGS", "--fake-encoder"))


class Daemon:
    """A recd process on its own socket; `restart()` keeps the socket path."""

    def __init__(self, directory: Path, extra_args: Optional[List[str]] = None, name: str = "recd",
                 test_args: bool = True) -> None:
        self.socket = str(directory / (name + ".sock"))
        logs = ROOT / ".build" / "pyclient-test-logs"  # kept after the run, for post-mortems
        logs.mkdir(parents=True, exist_ok=True)
        self.log_path = logs / (name + ".log")
        # Durable state per daemon (a restart in one test keeps its store); caches (item embeddings,
        # trained intents) shared by the whole run so each start does not re-embed the catalog.
        cache = Path(os.environ.get("RECD_TEST_CACHE", str(ROOT / ".build" / "pyclient-test-cache")))
        self.args = [str(recd_bin()), "--socket", self.socket, "--log-level", "debug",
                     "--store", str(directory / (name + "-store")), "--cache-dir", str(cache)] \
            + (recd_test_args() if test_args else []) + (extra_args or [])
        self.process: Optional[subprocess.Popen] = None

    def start(self, timeout: float = 60.0) -> "Daemon":
        binary = recd_bin()
        if not binary.exists():
            pytest.fail("recd binary not found at %s; build it (swift build --product recd) or set RECD_BIN" % binary)
        log = open(self.log_path, "ab")
        log.write(("---- %s start: %s\n" % (time.strftime("%H:%M:%S"), " ".join(self.args))).encode())
        log.flush()
        self.process = subprocess.Popen(self.args, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        give_up = time.monotonic() + timeout
        while time.monotonic() < give_up:
            if self.process.poll() is not None:
                pytest.fail("recd exited with status %s at start; command: %s\nlog:\n%s"
                            % (self.process.returncode, " ".join(self.args), self.log()))
            if self._ready():
                return self
            time.sleep(0.02)
        self.stop()
        pytest.fail("recd did not listen on %s within %.0f s; log:\n%s" % (self.socket, timeout, self.log()))

    def _ready(self) -> bool:
        """True once STATS is answered OK.

        Not just "the socket accepts": recd binds its socket a moment before it marks
        itself accepting, and in that window answers everything but PING with
        UNAVAILABLE "recd is shutting down" (reported to the transport owner).
        """
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.settimeout(5)
            s.connect(self.socket)
            s.sendall(_frame.encode_request(recd.Opcode.STATS, 1, b""))
            reader = _frame.FrameReader()
            while True:
                data = s.recv(65536)
                if not data:
                    return False
                frames = reader.feed(data)
                if frames:
                    return frames[0].header.status == recd.Status.OK
        except OSError:
            return False
        finally:
            s.close()

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 5.0) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-4000:]
        except OSError:
            return "(no log)"


@pytest.fixture(scope="session")
def tmp_sockets() -> Iterator[Path]:
    # Unix socket paths are limited to ~107 bytes, so not pytest's deep tmp_path.
    with tempfile.TemporaryDirectory(prefix="recd-py-") as d:
        yield Path(d)


@pytest.fixture(scope="session")
def daemon(tmp_sockets: Path) -> Iterator[Daemon]:
    """One daemon shared by the tests that do not stop it."""
    d = Daemon(tmp_sockets, name="shared").start()
    yield d
    d.stop()


@pytest.fixture(scope="session")
def slow_daemon(tmp_sockets: Path) -> Iterator[Daemon]:
    """A daemon whose fake encoder sleeps 300 ms per call, with one worker and a queue of 1.

    Always the fake encoder, whatever RECD_TEST_ARGS says: the delay is how the tests
    provoke BUSY and timeouts deterministically.
    """
    d = Daemon(tmp_sockets, ["--fake-encoder", "--fake-encoder-delay-ms", "300", "--workers", "1",
                             "--queue-capacity", "1", "--batch-wait-us", "0", "--max-batch", "1"],
               name="slow", test_args=False).start()
    yield d
    d.stop()


@pytest.fixture
def client(daemon: Daemon) -> Iterator[recd.Client]:
    with recd.Client(daemon.socket, timeout=15.0) as c:
        yield c


def expect_engine(fn, flag: str):
    """Runs `fn`; returns its result, or None when the daemon answered UNAVAILABLE.

    An UNAVAILABLE answer must name the start-up flag that would enable the engine,
    so a person knows what to do; anything else propagates and fails the test.
    """
    try:
        return fn()
    except recd.Unavailable as exc:
        assert exc.status == recd.Status.UNAVAILABLE
        assert flag in exc.message, "UNAVAILABLE should name %s: %r" % (flag, exc.message)
        return None


def retry_busy(fn, seconds: float = 10.0):
    """Calls `fn` until it does not raise Busy (backing off 0.1 s), as the BUSY message asks."""
    give_up = time.monotonic() + seconds
    while True:
        try:
            return fn()
        except recd.Busy:
            if time.monotonic() > give_up:
                raise
            time.sleep(0.1)


def pytest_report_header(config) -> List[str]:
    return ["recd client: %s (from %s)" % (recd.__version__, Path(recd.__file__).parent),
            "recd daemon: %s %s" % (recd_bin(), " ".join(recd_test_args()))]
