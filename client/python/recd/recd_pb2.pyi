from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

CONSUMED_POLICY_DEFAULT: ConsumedPolicy
CONSUMED_POLICY_EXCLUDE_PURCHASED: ConsumedPolicy
CONSUMED_POLICY_EXCLUDE_SEEN: ConsumedPolicy
CONSUMED_POLICY_NONE: ConsumedPolicy
DESCRIPTOR: _descriptor.FileDescriptor
EVENT_ADD_TO_CART: Event
EVENT_CLICK: Event
EVENT_DISLIKE: Event
EVENT_PURCHASE: Event
EVENT_RATING: Event
EVENT_UNSPECIFIED: Event
EVENT_VIEW: Event

class Alternative(_message.Message):
    __slots__ = ["confidence", "intent"]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    INTENT_FIELD_NUMBER: _ClassVar[int]
    confidence: float
    intent: str
    def __init__(self, intent: _Optional[str] = ..., confidence: _Optional[float] = ...) -> None: ...

class BatchBucket(_message.Message):
    __slots__ = ["count", "max_size"]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    MAX_SIZE_FIELD_NUMBER: _ClassVar[int]
    count: int
    max_size: int
    def __init__(self, max_size: _Optional[int] = ..., count: _Optional[int] = ...) -> None: ...

class EmbedRequest(_message.Message):
    __slots__ = ["texts"]
    TEXTS_FIELD_NUMBER: _ClassVar[int]
    texts: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, texts: _Optional[_Iterable[str]] = ...) -> None: ...

class EmbedResponse(_message.Message):
    __slots__ = ["dimension", "vectors"]
    DIMENSION_FIELD_NUMBER: _ClassVar[int]
    VECTORS_FIELD_NUMBER: _ClassVar[int]
    dimension: int
    vectors: _containers.RepeatedCompositeFieldContainer[Vector]
    def __init__(self, dimension: _Optional[int] = ..., vectors: _Optional[_Iterable[_Union[Vector, _Mapping]]] = ...) -> None: ...

class Error(_message.Message):
    __slots__ = ["message", "supported_versions"]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    SUPPORTED_VERSIONS_FIELD_NUMBER: _ClassVar[int]
    message: str
    supported_versions: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, message: _Optional[str] = ..., supported_versions: _Optional[_Iterable[int]] = ...) -> None: ...

class FeedbackRequest(_message.Message):
    __slots__ = ["event", "idempotency_key", "item", "timestamp_ms", "user", "value"]
    EVENT_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    ITEM_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_MS_FIELD_NUMBER: _ClassVar[int]
    USER_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    event: Event
    idempotency_key: str
    item: str
    timestamp_ms: int
    user: str
    value: float
    def __init__(self, user: _Optional[str] = ..., item: _Optional[str] = ..., event: _Optional[_Union[Event, str]] = ..., value: _Optional[float] = ..., timestamp_ms: _Optional[int] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class FeedbackResponse(_message.Message):
    __slots__ = ["duplicate", "sequence"]
    DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    duplicate: bool
    sequence: int
    def __init__(self, duplicate: bool = ..., sequence: _Optional[int] = ...) -> None: ...

class Filters(_message.Message):
    __slots__ = ["brands", "categories", "exclude_brands", "exclude_categories", "exclude_items", "in_stock_only", "max_price", "min_price"]
    BRANDS_FIELD_NUMBER: _ClassVar[int]
    CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    EXCLUDE_BRANDS_FIELD_NUMBER: _ClassVar[int]
    EXCLUDE_CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    EXCLUDE_ITEMS_FIELD_NUMBER: _ClassVar[int]
    IN_STOCK_ONLY_FIELD_NUMBER: _ClassVar[int]
    MAX_PRICE_FIELD_NUMBER: _ClassVar[int]
    MIN_PRICE_FIELD_NUMBER: _ClassVar[int]
    brands: _containers.RepeatedScalarFieldContainer[str]
    categories: _containers.RepeatedScalarFieldContainer[str]
    exclude_brands: _containers.RepeatedScalarFieldContainer[str]
    exclude_categories: _containers.RepeatedScalarFieldContainer[str]
    exclude_items: _containers.RepeatedScalarFieldContainer[str]
    in_stock_only: bool
    max_price: float
    min_price: float
    def __init__(self, categories: _Optional[_Iterable[str]] = ..., brands: _Optional[_Iterable[str]] = ..., min_price: _Optional[float] = ..., max_price: _Optional[float] = ..., in_stock_only: bool = ..., exclude_items: _Optional[_Iterable[str]] = ..., exclude_categories: _Optional[_Iterable[str]] = ..., exclude_brands: _Optional[_Iterable[str]] = ...) -> None: ...

class IntentRequest(_message.Message):
    __slots__ = ["text", "top_k"]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    TOP_K_FIELD_NUMBER: _ClassVar[int]
    text: str
    top_k: int
    def __init__(self, text: _Optional[str] = ..., top_k: _Optional[int] = ...) -> None: ...

class IntentResponse(_message.Message):
    __slots__ = ["alternatives", "confidence", "intent", "oos", "slots"]
    ALTERNATIVES_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    INTENT_FIELD_NUMBER: _ClassVar[int]
    OOS_FIELD_NUMBER: _ClassVar[int]
    SLOTS_FIELD_NUMBER: _ClassVar[int]
    alternatives: _containers.RepeatedCompositeFieldContainer[Alternative]
    confidence: float
    intent: str
    oos: bool
    slots: _containers.RepeatedCompositeFieldContainer[Slot]
    def __init__(self, intent: _Optional[str] = ..., confidence: _Optional[float] = ..., oos: bool = ..., alternatives: _Optional[_Iterable[_Union[Alternative, _Mapping]]] = ..., slots: _Optional[_Iterable[_Union[Slot, _Mapping]]] = ...) -> None: ...

class IntentsReloadRequest(_message.Message):
    __slots__ = ["path"]
    PATH_FIELD_NUMBER: _ClassVar[int]
    path: str
    def __init__(self, path: _Optional[str] = ...) -> None: ...

class IntentsReloadResponse(_message.Message):
    __slots__ = ["examples", "intents"]
    EXAMPLES_FIELD_NUMBER: _ClassVar[int]
    INTENTS_FIELD_NUMBER: _ClassVar[int]
    examples: int
    intents: int
    def __init__(self, intents: _Optional[int] = ..., examples: _Optional[int] = ...) -> None: ...

class Item(_message.Message):
    __slots__ = ["attributes", "brand", "category", "currency", "description", "id", "in_stock", "price", "tags", "title"]
    class AttributesEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    BRAND_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    IN_STOCK_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    attributes: _containers.ScalarMap[str, str]
    brand: str
    category: str
    currency: str
    description: str
    id: str
    in_stock: bool
    price: float
    tags: _containers.RepeatedScalarFieldContainer[str]
    title: str
    def __init__(self, id: _Optional[str] = ..., title: _Optional[str] = ..., description: _Optional[str] = ..., category: _Optional[str] = ..., brand: _Optional[str] = ..., price: _Optional[float] = ..., currency: _Optional[str] = ..., tags: _Optional[_Iterable[str]] = ..., attributes: _Optional[_Mapping[str, str]] = ..., in_stock: bool = ...) -> None: ...

class ItemIds(_message.Message):
    __slots__ = ["ids"]
    IDS_FIELD_NUMBER: _ClassVar[int]
    ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, ids: _Optional[_Iterable[str]] = ...) -> None: ...

class ItemList(_message.Message):
    __slots__ = ["items"]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[Item]
    def __init__(self, items: _Optional[_Iterable[_Union[Item, _Mapping]]] = ...) -> None: ...

class ItemsRequest(_message.Message):
    __slots__ = ["delete", "get", "upsert"]
    DELETE_FIELD_NUMBER: _ClassVar[int]
    GET_FIELD_NUMBER: _ClassVar[int]
    UPSERT_FIELD_NUMBER: _ClassVar[int]
    delete: ItemIds
    get: ItemIds
    upsert: ItemList
    def __init__(self, upsert: _Optional[_Union[ItemList, _Mapping]] = ..., delete: _Optional[_Union[ItemIds, _Mapping]] = ..., get: _Optional[_Union[ItemIds, _Mapping]] = ...) -> None: ...

class ItemsResponse(_message.Message):
    __slots__ = ["affected", "items", "missing"]
    AFFECTED_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    MISSING_FIELD_NUMBER: _ClassVar[int]
    affected: int
    items: _containers.RepeatedCompositeFieldContainer[Item]
    missing: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, affected: _Optional[int] = ..., items: _Optional[_Iterable[_Union[Item, _Mapping]]] = ..., missing: _Optional[_Iterable[str]] = ...) -> None: ...

class LatencySummary(_message.Message):
    __slots__ = ["max_ms", "p50_ms", "p90_ms", "p999_ms", "p99_ms"]
    MAX_MS_FIELD_NUMBER: _ClassVar[int]
    P50_MS_FIELD_NUMBER: _ClassVar[int]
    P90_MS_FIELD_NUMBER: _ClassVar[int]
    P999_MS_FIELD_NUMBER: _ClassVar[int]
    P99_MS_FIELD_NUMBER: _ClassVar[int]
    max_ms: float
    p50_ms: float
    p90_ms: float
    p999_ms: float
    p99_ms: float
    def __init__(self, p50_ms: _Optional[float] = ..., p90_ms: _Optional[float] = ..., p99_ms: _Optional[float] = ..., p999_ms: _Optional[float] = ..., max_ms: _Optional[float] = ...) -> None: ...

class ModelInfo(_message.Message):
    __slots__ = ["dimension", "max_tokens", "name", "precision"]
    DIMENSION_FIELD_NUMBER: _ClassVar[int]
    MAX_TOKENS_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PRECISION_FIELD_NUMBER: _ClassVar[int]
    dimension: int
    max_tokens: int
    name: str
    precision: str
    def __init__(self, name: _Optional[str] = ..., dimension: _Optional[int] = ..., max_tokens: _Optional[int] = ..., precision: _Optional[str] = ...) -> None: ...

class OpStats(_message.Message):
    __slots__ = ["busy", "errors", "latency", "op", "requests"]
    BUSY_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    LATENCY_FIELD_NUMBER: _ClassVar[int]
    OP_FIELD_NUMBER: _ClassVar[int]
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    busy: int
    errors: int
    latency: LatencySummary
    op: str
    requests: int
    def __init__(self, op: _Optional[str] = ..., requests: _Optional[int] = ..., errors: _Optional[int] = ..., busy: _Optional[int] = ..., latency: _Optional[_Union[LatencySummary, _Mapping]] = ...) -> None: ...

class PingRequest(_message.Message):
    __slots__ = ["payload"]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    payload: bytes
    def __init__(self, payload: _Optional[bytes] = ...) -> None: ...

class PingResponse(_message.Message):
    __slots__ = ["payload"]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    payload: bytes
    def __init__(self, payload: _Optional[bytes] = ...) -> None: ...

class RecommendRequest(_message.Message):
    __slots__ = ["consumed", "diversity", "filters", "k", "query", "user", "weights"]
    CONSUMED_FIELD_NUMBER: _ClassVar[int]
    DIVERSITY_FIELD_NUMBER: _ClassVar[int]
    FILTERS_FIELD_NUMBER: _ClassVar[int]
    K_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    USER_FIELD_NUMBER: _ClassVar[int]
    WEIGHTS_FIELD_NUMBER: _ClassVar[int]
    consumed: ConsumedPolicy
    diversity: float
    filters: Filters
    k: int
    query: str
    user: str
    weights: Weights
    def __init__(self, user: _Optional[str] = ..., query: _Optional[str] = ..., k: _Optional[int] = ..., filters: _Optional[_Union[Filters, _Mapping]] = ..., consumed: _Optional[_Union[ConsumedPolicy, str]] = ..., weights: _Optional[_Union[Weights, _Mapping]] = ..., diversity: _Optional[float] = ...) -> None: ...

class RecommendResponse(_message.Message):
    __slots__ = ["items", "query_intent"]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    QUERY_INTENT_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[Recommendation]
    query_intent: IntentResponse
    def __init__(self, items: _Optional[_Iterable[_Union[Recommendation, _Mapping]]] = ..., query_intent: _Optional[_Union[IntentResponse, _Mapping]] = ...) -> None: ...

class Recommendation(_message.Message):
    __slots__ = ["explanation", "item_id", "reasons", "score", "title"]
    EXPLANATION_FIELD_NUMBER: _ClassVar[int]
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    explanation: str
    item_id: str
    reasons: _containers.RepeatedScalarFieldContainer[str]
    score: float
    title: str
    def __init__(self, item_id: _Optional[str] = ..., score: _Optional[float] = ..., title: _Optional[str] = ..., explanation: _Optional[str] = ..., reasons: _Optional[_Iterable[str]] = ...) -> None: ...

class SimilarRequest(_message.Message):
    __slots__ = ["filters", "item", "k"]
    FILTERS_FIELD_NUMBER: _ClassVar[int]
    ITEM_FIELD_NUMBER: _ClassVar[int]
    K_FIELD_NUMBER: _ClassVar[int]
    filters: Filters
    item: str
    k: int
    def __init__(self, item: _Optional[str] = ..., k: _Optional[int] = ..., filters: _Optional[_Union[Filters, _Mapping]] = ...) -> None: ...

class SimilarResponse(_message.Message):
    __slots__ = ["items"]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[Recommendation]
    def __init__(self, items: _Optional[_Iterable[_Union[Recommendation, _Mapping]]] = ...) -> None: ...

class Slot(_message.Message):
    __slots__ = ["currency", "end", "max", "min", "name", "negated", "start", "text", "value"]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    MAX_FIELD_NUMBER: _ClassVar[int]
    MIN_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    NEGATED_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    currency: str
    end: int
    max: float
    min: float
    name: str
    negated: bool
    start: int
    text: str
    value: str
    def __init__(self, name: _Optional[str] = ..., text: _Optional[str] = ..., start: _Optional[int] = ..., end: _Optional[int] = ..., value: _Optional[str] = ..., min: _Optional[float] = ..., max: _Optional[float] = ..., currency: _Optional[str] = ..., negated: bool = ...) -> None: ...

class StatsRequest(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class StatsResponse(_message.Message):
    __slots__ = ["batch_sizes", "connections", "extras", "model", "ops", "queue_capacity", "queue_depth", "rss_bytes", "uptime_seconds", "version", "workers"]
    class ExtrasEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    BATCH_SIZES_FIELD_NUMBER: _ClassVar[int]
    CONNECTIONS_FIELD_NUMBER: _ClassVar[int]
    EXTRAS_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    OPS_FIELD_NUMBER: _ClassVar[int]
    QUEUE_CAPACITY_FIELD_NUMBER: _ClassVar[int]
    QUEUE_DEPTH_FIELD_NUMBER: _ClassVar[int]
    RSS_BYTES_FIELD_NUMBER: _ClassVar[int]
    UPTIME_SECONDS_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    WORKERS_FIELD_NUMBER: _ClassVar[int]
    batch_sizes: _containers.RepeatedCompositeFieldContainer[BatchBucket]
    connections: int
    extras: _containers.ScalarMap[str, str]
    model: ModelInfo
    ops: _containers.RepeatedCompositeFieldContainer[OpStats]
    queue_capacity: int
    queue_depth: int
    rss_bytes: int
    uptime_seconds: float
    version: str
    workers: int
    def __init__(self, uptime_seconds: _Optional[float] = ..., ops: _Optional[_Iterable[_Union[OpStats, _Mapping]]] = ..., queue_depth: _Optional[int] = ..., queue_capacity: _Optional[int] = ..., workers: _Optional[int] = ..., batch_sizes: _Optional[_Iterable[_Union[BatchBucket, _Mapping]]] = ..., model: _Optional[_Union[ModelInfo, _Mapping]] = ..., rss_bytes: _Optional[int] = ..., connections: _Optional[int] = ..., extras: _Optional[_Mapping[str, str]] = ..., version: _Optional[str] = ...) -> None: ...

class Vector(_message.Message):
    __slots__ = ["values"]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    values: _containers.RepeatedScalarFieldContainer[float]
    def __init__(self, values: _Optional[_Iterable[float]] = ...) -> None: ...

class Weights(_message.Message):
    __slots__ = ["alpha", "beta", "delta", "gamma"]
    ALPHA_FIELD_NUMBER: _ClassVar[int]
    BETA_FIELD_NUMBER: _ClassVar[int]
    DELTA_FIELD_NUMBER: _ClassVar[int]
    GAMMA_FIELD_NUMBER: _ClassVar[int]
    alpha: float
    beta: float
    delta: float
    gamma: float
    def __init__(self, alpha: _Optional[float] = ..., beta: _Optional[float] = ..., gamma: _Optional[float] = ..., delta: _Optional[float] = ...) -> None: ...

class ConsumedPolicy(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class Event(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
