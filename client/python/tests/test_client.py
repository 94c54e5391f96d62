"""Every client method against a real recd.

Methods whose engine the daemon was started without must answer UNAVAILABLE naming
the flag that enables it; with RECD_TEST_ARGS wiring the engines, the same tests
check the results instead.
"""

from __future__ import annotations

import math

import recd
from recd import recd_pb2 as pb

from conftest import expect_engine


def norm(v) -> float:
    return math.sqrt(sum(x * x for x in v))


def test_ping_echoes_payload(client: recd.Client) -> None:
    assert client.ping() == b""
    assert client.ping(b"\x00hello\xff") == b"\x00hello\xff"


def test_embed_returns_unit_vectors_in_order(client: recd.Client) -> None:
    texts = ["red lipstick", "green tea", "red lipstick"]
    vectors = client.embed(texts)
    assert len(vectors) == 3
    dimension = len(vectors[0])
    assert dimension == 384
    for v in vectors:
        assert len(v) == dimension and abs(norm(v) - 1.0) < 1e-4
    assert vectors[0] == vectors[2] and vectors[0] != vectors[1]
    assert client.embed("green tea") == [vectors[1]]


def test_stats_counts_requests(client: recd.Client) -> None:
    client.ping()
    before = {o.op: o.requests for o in client.stats().ops}
    client.ping()
    client.ping()
    stats = client.stats()
    after = {o.op: o.requests for o in stats.ops}
    assert after["PING"] == before["PING"] + 2
    assert stats.version.startswith("recd ") and stats.workers >= 1 and stats.connections >= 1
    assert stats.model.dimension == 384 and stats.uptime_seconds > 0


def test_intent(client: recd.Client) -> None:
    r = expect_engine(lambda: client.intent("red shoes under $50", top_k=2), "--intents")
    if r is not None:
        assert isinstance(r, pb.IntentResponse)
        assert r.oos or r.intent
        assert 0.0 <= r.confidence <= 1.0 and len(r.alternatives) <= 2


def test_reload_intents(client: recd.Client) -> None:
    r = expect_engine(lambda: client.reload_intents(), "--intents")
    if r is not None:
        assert r.intents > 0 and r.examples >= r.intents


ITEMS = [
    {"id": "PYT-1", "title": "Red matte lipstick", "category": "makeup", "brand": "Acme", "price": 9.5,
     "currency": "USD", "tags": ["red"], "attributes": {"finish": "matte"}, "in_stock": True},
    {"id": "PYT-2", "title": "Rose lip gloss", "category": "makeup", "brand": "Acme", "price": 7.0,
     "currency": "USD", "in_stock": True},
    {"id": "PYT-3", "title": "Green tea face mask", "category": "skincare", "brand": "Leaf", "price": 12.0,
     "currency": "USD", "in_stock": True},
]


def test_items_upsert_get_delete(client: recd.Client) -> None:
    up = expect_engine(lambda: client.items_upsert(ITEMS), "--catalog")
    if up is None:
        assert expect_engine(lambda: client.items_get(["PYT-1"]), "--catalog") is None
        assert expect_engine(lambda: client.items_delete(["PYT-1"]), "--catalog") is None
        return
    assert up.affected == 3
    got = client.items_get(["PYT-1", "NOPE-404"])
    assert [i.id for i in got.items] == ["PYT-1"] and list(got.missing) == ["NOPE-404"]
    assert got.items[0].attributes["finish"] == "matte" and got.items[0].price == 9.5
    gone = client.items_delete(["PYT-3", "NOPE-404"])
    assert gone.affected == 1 and list(gone.missing) == ["NOPE-404"]
    assert list(client.items_get("PYT-3").missing) == ["PYT-3"]
    client.items_upsert([ITEMS[2]])


def test_recommend(client: recd.Client) -> None:
    r = expect_engine(lambda: client.recommend(user="py-user", query="red lipstick", k=2,
                                               filters={"categories": ["makeup"]}), "--catalog")
    if r is not None:
        assert isinstance(r, pb.RecommendResponse) and 0 < len(r.items) <= 2
        scores = [i.score for i in r.items]
        assert scores == sorted(scores, reverse=True)


def test_similar(client: recd.Client) -> None:
    r = expect_engine(lambda: client.similar("PYT-1", k=2), "--catalog")
    if r is not None:
        assert all(i.item_id != "PYT-1" for i in r.items)


def test_feedback(client: recd.Client) -> None:
    r = expect_engine(lambda: client.feedback("py-user", "PYT-1", "click", idempotency_key="py-k1"), "--store")
    if r is not None:
        again = client.feedback("py-user", "PYT-1", "click", idempotency_key="py-k1")
        assert again.duplicate and not r.duplicate


def test_raw_request(client: recd.Client) -> None:
    body = client.request(recd.Opcode.PING, pb.PingRequest(payload=b"raw").SerializeToString())
    assert pb.PingResponse.FromString(body).payload == b"raw"
