"""Pipelining: many requests in flight on one connection, matched by request id."""

from __future__ import annotations

import asyncio
import threading

import pytest

import recd

from conftest import Daemon


def test_threads_share_one_connection(daemon: Daemon) -> None:
    with recd.Client(daemon.socket, timeout=60) as c:
        reference = c.embed(["thread text %d" % i for i in range(8)])
        errors = []

        def work(t: int) -> None:
            try:
                for i in range(150):
                    payload = b"%d:%d" % (t, i)
                    assert c.ping(payload) == payload
                    if i % 10 == 0:
                        k = (t + i) % 8
                        assert c.embed("thread text %d" % k) == [reference[k]]
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(t,)) for t in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors, errors[:3]
        assert c.stats().connections >= 1
        assert c._conn is not None and len(c._conn.pending) == 0


def test_one_thread_pipelines_with_submit(client: recd.Client) -> None:
    futures = [client.submit(recd.ops.ping(b"%d" % i)) for i in range(500)]
    # Resolved in reverse: each future still gets its own response.
    assert [f.result() for f in reversed(futures)] == [b"%d" % i for i in reversed(range(500))]


def test_more_requests_than_the_daemon_allows_in_flight(daemon: Daemon) -> None:
    """recd answers BUSY past 128 requests in flight per connection; the client queues instead."""
    with recd.Client(daemon.socket, timeout=60) as c:
        futures = [c.submit(recd.ops.embed(["n%d" % (i % 50)])) for i in range(600)]
        assert all(len(f.result()[0]) == 384 for f in futures)


def test_asyncio_gather(daemon: Daemon) -> None:
    async def main() -> None:
        async with recd.AsyncClient(daemon.socket, timeout=60) as c:
            payloads = [b"a%d" % i for i in range(1000)]
            echoed = await asyncio.gather(*(c.ping(p) for p in payloads))
            assert echoed == payloads
            texts = ["async text %d" % (i % 20) for i in range(300)]
            vectors = await asyncio.gather(*(c.embed(t) for t in texts))
            first = {t: v for t, v in zip(texts, vectors)}
            assert all(first[t] == v for t, v in zip(texts, vectors))
            assert len({tuple(v[0]) for v in first.values()}) == 20
            assert c._proto is not None and not c._proto.pending

    asyncio.run(main())


def test_asyncio_every_method(daemon: Daemon) -> None:
    from conftest import expect_engine  # noqa: F401 - same contract as the blocking tests

    async def main() -> None:
        async with recd.AsyncClient(daemon.socket) as c:
            assert await c.ping(b"p") == b"p"
            assert len((await c.embed(["x", "y"]))) == 2
            assert (await c.stats()).version.startswith("recd ")
            assert await c.request(recd.Opcode.PING) == b""
            for coro, flag in [(c.intent("hello"), "--intents"), (c.reload_intents(), "--intents"),
                               (c.recommend(user="u", query="tea"), "--catalog"), (c.similar("PYT-1"), "--catalog"),
                               (c.items_get(["PYT-1"]), "--catalog"), (c.items_delete(["none"]), "--catalog"),
                               (c.items_upsert([{"id": "A-1", "title": "t"}]), "--catalog"),
                               (c.feedback("u", "PYT-1", "view"), "--store")]:
                try:
                    await coro
                except recd.Unavailable as exc:
                    assert flag in exc.message
            with pytest.raises(recd.BadRequest):
                await c.embed([])
            with pytest.raises(recd.UnknownOpcode):
                await c.request(0x55)

    asyncio.run(main())


def test_asyncio_timeout_and_busy(slow_daemon: Daemon) -> None:
    async def main() -> None:
        async with recd.AsyncClient(slow_daemon.socket) as c:
            with pytest.raises(recd.Timeout):
                await c.embed(["slow"], timeout=0.05)
            results = await asyncio.gather(*(c.embed("b%d" % i, timeout=30) for i in range(8)),
                                           return_exceptions=True)
            # One worker and a queue of one: at most two of the eight fit, the rest are BUSY.
            assert sum(isinstance(r, recd.Busy) for r in results) >= 6, results
            assert all(isinstance(r, (recd.Busy, list)) for r in results), results
            for _ in range(50):  # retry with backoff, as the BUSY message says
                try:
                    assert len((await c.embed("after busy", timeout=30))[0]) == 384
                    break
                except recd.Busy:
                    await asyncio.sleep(0.1)
            else:
                pytest.fail("still BUSY after 5 s of retries")
            assert await c.ping(b"ok") == b"ok"

    asyncio.run(main())


def test_reader_role_passes_on_when_its_holder_times_out(slow_daemon: Daemon) -> None:
    """Threads take turns reading the socket; a reader that gives up must hand the role on."""
    from conftest import retry_busy

    with recd.Client(slow_daemon.socket, timeout=30) as c:
        errors = []
        timeouts = []

        def impatient() -> None:
            try:
                c.embed(["slow %d" % threading.get_ident()], timeout=0.05)
            except recd.Timeout:
                timeouts.append(1)
            except recd.Busy:
                pass
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)

        def pinger(n: int) -> None:
            try:
                for i in range(200):
                    assert c.ping(b"%d-%d" % (n, i), timeout=10) == b"%d-%d" % (n, i)
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)

        threads = [threading.Thread(target=impatient) for _ in range(3)] + \
            [threading.Thread(target=pinger, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        patient = retry_busy(lambda: c.embed(["patient"], timeout=30))
        for t in threads:
            t.join()
        assert not errors, errors[:3]
        assert timeouts, "at least one impatient embed should time out"
        assert len(patient[0]) == 384
