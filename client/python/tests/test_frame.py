"""The sans-IO frame codec, error mapping and request builders (no daemon)."""

from __future__ import annotations

import pytest

import recd
from recd import _frame, ops, recd_pb2 as pb
from recd.errors import STATUS_ERRORS, error_for_status


def response(opcode: int, rid: int, body: bytes, status: int = 0) -> bytes:
    return _frame.encode_header(opcode, rid, len(body), is_response=True, status=status) + body


def test_header_layout_is_big_endian_16_bytes() -> None:
    raw = _frame.encode_request(recd.Opcode.EMBED, 0x01020304, b"\x0a\x02hi")
    assert raw[:16] == bytes.fromhex("5244 01 02 00 00 0000 01020304 00000004".replace(" ", ""))
    assert raw[16:] == b"\x0a\x02hi"
    header = _frame.decode_header(raw, expect_response=False)
    assert header == _frame.Header(1, 2, False, 0, 0x01020304, 4)


def test_reader_byte_at_a_time_and_many_frames_in_one_feed() -> None:
    stream = response(1, 7, b"") + response(2, 8, b"abc") + response(8, 9, b"x" * 300, status=5)
    reader = _frame.FrameReader()
    frames = []
    for i in range(len(stream)):
        frames += reader.feed(stream[i:i + 1])
    assert [(f.header.request_id, f.header.status, f.body) for f in frames] == \
        [(7, 0, b""), (8, 0, b"abc"), (9, 5, b"x" * 300)]
    assert reader.buffered == 0
    again = _frame.FrameReader().feed(stream)
    assert again == frames


def test_reader_keeps_a_partial_frame() -> None:
    reader = _frame.FrameReader()
    data = response(1, 1, b"hello")
    assert reader.feed(data[:18]) == []
    assert reader.buffered == 18
    assert [f.body for f in reader.feed(data[18:])] == [b"hello"]


@pytest.mark.parametrize("length,ok", [(0, True), (1, True), (1000, True), (1001, False)])
def test_reader_length_limit_checked_before_body(length: int, ok: bool) -> None:
    reader = _frame.FrameReader(max_body_bytes=1000)
    header = _frame.encode_header(1, 1, length, is_response=True)
    if ok:
        assert reader.feed(header + b"\0" * length)[0].header.body_length == length
    else:
        with pytest.raises(recd.ProtocolError, match="1001 bytes exceeds the limit of 1000"):
            reader.feed(header)  # rejected from the header alone, nothing allocated for the body


@pytest.mark.parametrize("mutate,match", [
    (lambda b: b"XX" + b[2:], "bad frame magic"),
    (lambda b: b[:2] + b"\x02" + b[3:], "unsupported protocol version 2"),
    (lambda b: b[:4] + b"\x03" + b[5:], "reserved header bits"),
    (lambda b: b[:5] + b"\x01" + b[6:], "reserved header bits"),
    (lambda b: b[:4] + b"\x00" + b[5:], "expected a response frame, found a request frame"),
])
def test_reader_rejects_malformed_headers(mutate, match: str) -> None:
    with pytest.raises(recd.ProtocolError, match=match):
        _frame.FrameReader().feed(mutate(response(1, 1, b"")))


def test_every_status_has_its_exception_class() -> None:
    expected = {
        recd.Status.BAD_REQUEST: recd.BadRequest, recd.Status.NOT_FOUND: recd.NotFound,
        recd.Status.TOO_LARGE: recd.TooLarge, recd.Status.BUSY: recd.Busy,
        recd.Status.UNAVAILABLE: recd.Unavailable, recd.Status.INTERNAL: recd.Internal,
        recd.Status.UNKNOWN_OPCODE: recd.UnknownOpcode, recd.Status.UNSUPPORTED_VERSION: recd.UnsupportedVersion,
    }
    assert STATUS_ERRORS == {int(k): v for k, v in expected.items()}
    for status, cls in expected.items():
        body = pb.Error(message="what went wrong", supported_versions=[1]).SerializeToString()
        err = error_for_status(status, body, recd.Opcode.EMBED)
        assert type(err) is cls and isinstance(err, recd.RecdError)
        assert err.status == status and err.message == "what went wrong" and err.opcode == recd.Opcode.EMBED
        assert str(err) == "EMBED: what went wrong"
    assert error_for_status(8, pb.Error(message="m", supported_versions=[1, 3]).SerializeToString()) \
        .supported_versions == [1, 3]


def test_unknown_status_and_undecodable_body() -> None:
    err = error_for_status(0x99, b"\xff\xff")
    assert type(err) is recd.RecdError and err.status == 0x99
    assert "0x0099" in err.message and "could not be decoded" in err.message


def test_client_side_errors_are_builtin_exceptions_too() -> None:
    assert issubclass(recd.ConnectionFailed, ConnectionError)
    assert issubclass(recd.Timeout, TimeoutError)
    assert issubclass(recd.ConnectionFailed, recd.RecdError)


def test_request_builders_accept_names_and_mappings() -> None:
    f = pb.FeedbackRequest.FromString(ops.feedback("u", "i", "add_to_cart", value=2).body)
    assert f.event == pb.EVENT_ADD_TO_CART and f.value == 2
    assert pb.FeedbackRequest.FromString(ops.feedback("u", "i", "EVENT_RATING").body).event == pb.EVENT_RATING
    assert pb.FeedbackRequest.FromString(ops.feedback("u", "i", 6).body).event == pb.EVENT_DISLIKE
    with pytest.raises(ValueError, match="unknown event 'like'; expected one of view, click"):
        ops.feedback("u", "i", "like")
    r = pb.RecommendRequest.FromString(ops.recommend(
        "u", "q", 5, filters={"categories": ["a"], "max_price": 20.0}, consumed="exclude_seen",
        weights=(1, 0.5, 0.25, 0)).body)
    assert list(r.filters.categories) == ["a"] and r.filters.HasField("max_price") \
        and not r.filters.HasField("min_price")
    assert r.consumed == pb.CONSUMED_POLICY_EXCLUDE_SEEN and r.HasField("weights") and r.weights.beta == 0.5
    assert not pb.RecommendRequest.FromString(ops.recommend("u").body).HasField("weights")
    items = pb.ItemsRequest.FromString(ops.items_upsert([{"id": "A", "attributes": {"k": "v"}},
                                                         pb.Item(id="B")]).body)
    assert [i.id for i in items.upsert.items] == ["A", "B"] and items.upsert.items[0].attributes["k"] == "v"
    assert pb.ItemsRequest.FromString(ops.items_get("A").body).get.ids == ["A"]
    assert pb.EmbedRequest.FromString(ops.embed("one").body).texts == ["one"]


def test_split_matches_feed_for_any_chunking() -> None:
    stream = b"".join(response(op, rid, bytes([rid]) * (rid * 37 % 300), status=rid % 3)
                      for rid, op in zip(range(1, 40), [1, 2, 3, 4, 5, 6, 7, 8, 9] * 5))
    expected = [(f.header.request_id, f.header.status, f.header.opcode, f.body)
                for f in _frame.FrameReader().feed(stream)]
    assert len(expected) == 39
    for chunk in (1, 7, 16, 17, 100, 1000, len(stream)):
        reader = _frame.FrameReader()
        got = []
        for i in range(0, len(stream), chunk):
            got += reader.split(stream[i:i + chunk])
        assert got == expected, chunk
        assert reader.buffered == 0


def test_split_rejects_what_feed_rejects() -> None:
    with pytest.raises(recd.ProtocolError, match="bad frame magic"):
        _frame.FrameReader().split(b"XX" + response(1, 1, b"")[2:])
    with pytest.raises(recd.ProtocolError, match="expected a response frame"):
        _frame.FrameReader().split(_frame.encode_request(1, 1, b""))
    with pytest.raises(recd.ProtocolError, match="exceeds the limit of 10"):
        _frame.FrameReader(max_body_bytes=10).split(response(1, 1, b"x" * 11))
