"""Request building and response decoding for every opcode, shared by both clients.

Each function returns a :class:`Call`: the opcode, the serialised request body
and a function that turns an OK response body into the value the client method
returns. No I/O here.
"""

from __future__ import annotations

from typing import (Any, Callable, Generic, Iterable, List, Mapping, Optional, Sequence, TypeVar,
                    Union)

from . import recd_pb2 as pb
from ._frame import Opcode
from .errors import ProtocolError

T = TypeVar("T")

FiltersLike = Union[pb.Filters, Mapping[str, Any], None]
"""A recd.v1.Filters message, or a mapping of its fields, e.g. {"categories": ["makeup"], "max_price": 20}."""
ItemLike = Union[pb.Item, Mapping[str, Any]]
"""A recd.v1.Item message, or a mapping of its fields."""
WeightsLike = Union[pb.Weights, Mapping[str, float], Sequence[float], None]
"""Ranking weights: a message, a mapping {"alpha": .., ...} or a sequence (alpha, beta, gamma, delta)."""
EventLike = Union[int, str]
"""An Event value, or its name: "click", "CLICK" or "EVENT_CLICK"."""
ConsumedLike = Union[int, str]
"""A ConsumedPolicy value, or its name: "exclude_seen", "EXCLUDE_SEEN" or "CONSUMED_POLICY_EXCLUDE_SEEN"."""


class Call(Generic[T]):
    """One request: opcode, body, and how to read the OK response body."""

    __slots__ = ("opcode", "body", "parse")

    def __init__(self, opcode: int, body: bytes, parse: Callable[[bytes], T]) -> None:
        self.opcode = int(opcode)
        self.body = body
        self.parse = parse


def _parser(cls: Callable[[], Any]) -> Callable[[bytes], Any]:
    def parse(body: bytes) -> Any:
        message = cls()
        try:
            message.ParseFromString(body)
        except Exception as exc:  # noqa: BLE001 - decode errors differ between protobuf backends
            raise ProtocolError("response body is not a valid %s (%d bytes): %s"
                                % (message.DESCRIPTOR.full_name, len(body), exc)) from None
        return message
    return parse


def _enum_value(enum_type: Any, prefix: str, value: Union[int, str], what: str) -> int:
    if isinstance(value, int):
        return value
    name = value.strip().upper()
    if not name.startswith(prefix):
        name = prefix + name
    try:
        return int(enum_type.Value(name))
    except ValueError:
        names = [n[len(prefix):].lower() for n in enum_type.keys() if not n.endswith("UNSPECIFIED")]
        raise ValueError("unknown %s %r; expected one of %s" % (what, value, ", ".join(names))) from None


def _filters(filters: FiltersLike) -> Optional[pb.Filters]:
    if filters is None or isinstance(filters, pb.Filters):
        return filters
    return pb.Filters(**filters)


def _item(item: ItemLike) -> pb.Item:
    return item if isinstance(item, pb.Item) else pb.Item(**item)


def _weights(weights: WeightsLike) -> Optional[pb.Weights]:
    if weights is None or isinstance(weights, pb.Weights):
        return weights
    if isinstance(weights, Mapping):
        return pb.Weights(**weights)
    alpha, beta, gamma, delta = weights
    return pb.Weights(alpha=alpha, beta=beta, gamma=gamma, delta=delta)


_parse_ping = _parser(pb.PingResponse)


def _payload(body: bytes) -> bytes:
    if not body:  # the usual empty PING: no message to decode
        return b""
    payload: bytes = _parse_ping(body).payload
    return payload


def _vectors(body: bytes) -> List[List[float]]:
    response = _parser(pb.EmbedResponse)(body)
    return [list(v.values) for v in response.vectors]


def ping(payload: bytes = b"") -> Call[bytes]:
    """PING: the daemon echoes `payload`."""
    return Call(Opcode.PING, pb.PingRequest(payload=payload).SerializeToString(), _payload)


def embed(texts: Union[str, Iterable[str]]) -> Call[List[List[float]]]:
    """EMBED: one L2-normalised vector per text."""
    if isinstance(texts, str):
        texts = [texts]
    return Call(Opcode.EMBED, pb.EmbedRequest(texts=list(texts)).SerializeToString(), _vectors)


def intent(text: str, top_k: int = 0) -> Call[pb.IntentResponse]:
    """INTENT: top intent, alternatives and slots of `text`."""
    return Call(Opcode.INTENT, pb.IntentRequest(text=text, top_k=top_k).SerializeToString(),
                _parser(pb.IntentResponse))


def recommend(user: str = "", query: str = "", k: int = 0, *, filters: FiltersLike = None,
              consumed: ConsumedLike = 0, weights: WeightsLike = None,
              diversity: float = 0.0) -> Call[pb.RecommendResponse]:
    """RECOMMEND: ranked items for a user and/or a query."""
    request = pb.RecommendRequest(user=user, query=query, k=k,
                                  consumed=_enum_value(pb.ConsumedPolicy, "CONSUMED_POLICY_", consumed,
                                                       "consumed policy"),  # type: ignore[arg-type]
                                  diversity=diversity)
    f = _filters(filters)
    if f is not None:
        request.filters.CopyFrom(f)
    w = _weights(weights)
    if w is not None:
        request.weights.CopyFrom(w)
    return Call(Opcode.RECOMMEND, request.SerializeToString(), _parser(pb.RecommendResponse))


def feedback(user: str, item: str, event: EventLike = "click", *, value: float = 0.0, timestamp_ms: int = 0,
             idempotency_key: str = "") -> Call[pb.FeedbackResponse]:
    """FEEDBACK: one user event on an item."""
    request = pb.FeedbackRequest(user=user, item=item,
                                 event=_enum_value(pb.Event, "EVENT_", event, "event"),  # type: ignore[arg-type]
                                 value=value, timestamp_ms=timestamp_ms, idempotency_key=idempotency_key)
    return Call(Opcode.FEEDBACK, request.SerializeToString(), _parser(pb.FeedbackResponse))


def items_upsert(items: Iterable[ItemLike]) -> Call[pb.ItemsResponse]:
    """ITEMS upsert: insert or replace catalog items."""
    request = pb.ItemsRequest(upsert=pb.ItemList(items=[_item(i) for i in items]))
    return Call(Opcode.ITEMS, request.SerializeToString(), _parser(pb.ItemsResponse))


def _ids(ids: Union[str, Iterable[str]]) -> pb.ItemIds:
    return pb.ItemIds(ids=[ids] if isinstance(ids, str) else list(ids))


def items_delete(ids: Union[str, Iterable[str]]) -> Call[pb.ItemsResponse]:
    """ITEMS delete: remove catalog items by id."""
    return Call(Opcode.ITEMS, pb.ItemsRequest(delete=_ids(ids)).SerializeToString(), _parser(pb.ItemsResponse))


def items_get(ids: Union[str, Iterable[str]]) -> Call[pb.ItemsResponse]:
    """ITEMS get: catalog items by id, in request order; unknown ids in `missing`."""
    return Call(Opcode.ITEMS, pb.ItemsRequest(get=_ids(ids)).SerializeToString(), _parser(pb.ItemsResponse))


def similar(item: str, k: int = 0, *, filters: FiltersLike = None) -> Call[pb.SimilarResponse]:
    """SIMILAR: items similar to `item`."""
    request = pb.SimilarRequest(item=item, k=k)
    f = _filters(filters)
    if f is not None:
        request.filters.CopyFrom(f)
    return Call(Opcode.SIMILAR, request.SerializeToString(), _parser(pb.SimilarResponse))


def stats() -> Call[pb.StatsResponse]:
    """STATS: daemon counters and latencies."""
    return Call(Opcode.STATS, b"", _parser(pb.StatsResponse))


def reload_intents(path: str = "") -> Call[pb.IntentsReloadResponse]:
    """INTENTS_RELOAD: reload intent definitions from `path` (empty: the file given at start)."""
    return Call(Opcode.INTENTS_RELOAD, pb.IntentsReloadRequest(path=path).SerializeToString(),
                _parser(pb.IntentsReloadResponse))


def raw(opcode: int, body: bytes = b"") -> Call[bytes]:
    """Any opcode with a pre-serialised body; the OK response body is returned as bytes."""
    return Call(opcode, bytes(body), bytes)
