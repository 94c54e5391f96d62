"""protocol/vectors/*.bin: the Python encoding of every message is byte-identical to Swift's.

Each vector is a whole frame written by the Swift codec. It is decoded with the
Python frame reader and recd_pb2, converted to a plain dict and back into a fresh
message (so a field Python does not know would show up as a difference), then
re-encoded and compared with the file byte for byte.
"""

from __future__ import annotations

import pytest
from google.protobuf import json_format

import recd
from recd import _frame, ops, recd_pb2 as pb

from conftest import VECTORS

REQUESTS = {
    recd.Opcode.PING: pb.PingRequest, recd.Opcode.EMBED: pb.EmbedRequest, recd.Opcode.INTENT: pb.IntentRequest,
    recd.Opcode.RECOMMEND: pb.RecommendRequest, recd.Opcode.FEEDBACK: pb.FeedbackRequest,
    recd.Opcode.ITEMS: pb.ItemsRequest, recd.Opcode.SIMILAR: pb.SimilarRequest, recd.Opcode.STATS: pb.StatsRequest,
    recd.Opcode.INTENTS_RELOAD: pb.IntentsReloadRequest,
}
RESPONSES = {
    recd.Opcode.PING: pb.PingResponse, recd.Opcode.EMBED: pb.EmbedResponse, recd.Opcode.INTENT: pb.IntentResponse,
    recd.Opcode.RECOMMEND: pb.RecommendResponse, recd.Opcode.FEEDBACK: pb.FeedbackResponse,
    recd.Opcode.ITEMS: pb.ItemsResponse, recd.Opcode.SIMILAR: pb.SimilarResponse,
    recd.Opcode.STATS: pb.StatsResponse, recd.Opcode.INTENTS_RELOAD: pb.IntentsReloadResponse,
}

FILES = sorted(VECTORS.glob("*.bin"))


def test_vectors_exist_for_every_opcode_both_ways() -> None:
    names = {f.stem for f in FILES}
    for opcode in recd.Opcode:
        stem = "items_get" if opcode == recd.Opcode.ITEMS else opcode.name.lower()
        assert stem + "_request" in names and stem + "_response" in names, opcode.name


def decode(raw: bytes):
    reader = _frame.FrameReader(expect_response=None)  # type: ignore[arg-type]
    frames = reader.feed(raw)
    assert len(frames) == 1 and reader.buffered == 0, "a vector holds exactly one frame"
    header, body = frames[0]
    if header.status != 0:
        cls = pb.Error
    else:
        cls = (RESPONSES if header.is_response else REQUESTS)[recd.Opcode(header.opcode)]
    message = cls.FromString(body)
    return header, message


@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
def test_vector_round_trips_byte_for_byte(path) -> None:
    raw = path.read_bytes()
    header, message = decode(raw)
    fresh = json_format.ParseDict(json_format.MessageToDict(message, preserving_proto_field_name=True),
                                  type(message)())
    body = fresh.SerializeToString(deterministic=True)
    again = _frame.encode_header(header.opcode, header.request_id, len(body), is_response=header.is_response,
                                 status=header.status, version=header.version) + body
    assert again.hex(" ") == raw.hex(" ")


def request_bytes(call: ops.Call, rid: int) -> bytes:
    return _frame.encode_request(call.opcode, rid, call.body)


@pytest.mark.parametrize("name,build", [
    ("ping_request", lambda m: ops.ping(m.payload)),
    ("embed_request", lambda m: ops.embed(list(m.texts))),
    ("intent_request", lambda m: ops.intent(m.text, m.top_k)),
    ("recommend_request", lambda m: ops.recommend(
        m.user, m.query, m.k, filters=m.filters if m.HasField("filters") else None, consumed=m.consumed,
        weights=m.weights if m.HasField("weights") else None, diversity=m.diversity)),
    ("feedback_request", lambda m: ops.feedback(m.user, m.item, m.event, value=m.value,
                                                timestamp_ms=m.timestamp_ms, idempotency_key=m.idempotency_key)),
    ("items_upsert_request", lambda m: ops.items_upsert(m.upsert.items)),
    ("items_get_request", lambda m: ops.items_get(m.get.ids)),
    ("items_delete_request", lambda m: ops.items_delete(m.delete.ids)),
    ("similar_request", lambda m: ops.similar(m.item, m.k, filters=m.filters if m.HasField("filters") else None)),
    ("stats_request", lambda m: ops.stats()),
    ("intents_reload_request", lambda m: ops.reload_intents(m.path)),
])
def test_client_request_builders_match_swift(name: str, build) -> None:
    """The bytes the client methods send equal the Swift vectors for the same field values."""
    raw = (VECTORS / (name + ".bin")).read_bytes()
    header, message = decode(raw)
    assert request_bytes(build(message), header.request_id).hex(" ") == raw.hex(" ")


def test_vectors_decode_to_the_documented_values() -> None:
    _, embed = decode((VECTORS / "embed_response.bin").read_bytes())
    assert embed.dimension == 2 and [round(v, 6) for v in embed.vectors[0].values] == [0.6, 0.8]
    _, rec = decode((VECTORS / "recommend_request.bin").read_bytes())
    assert (rec.user, rec.query, rec.k, rec.filters.max_price, rec.diversity) == ("u1", "lipstick", 2, 20.0, 0.5)
    header, err = decode((VECTORS / "error_unsupported_version.bin").read_bytes())
    exc = recd.errors.error_for_status(header.status, err.SerializeToString(), header.opcode)
    assert isinstance(exc, recd.UnsupportedVersion) and exc.supported_versions == [1]
    assert "unsupported protocol version 2" in exc.message
