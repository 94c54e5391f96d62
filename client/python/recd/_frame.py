"""The recd frame: a 16-byte big-endian header followed by a protobuf body.

Sans-IO: encoding a request and splitting a byte stream into response frames,
with no sockets, so the blocking and the asyncio client share it and tests can
feed it bytes directly.

::

    offset size field
    0      2    magic 0x52 0x44 ("RD")
    2      1    version = 1
    3      1    opcode
    4      1    flags: bit 0 = response; other bits reserved, MUST be 0
    5      1    reserved, MUST be 0
    6      2    status (0 in requests)
    8      4    request id (opaque, echoed in the response)
    12     4    body length
"""

from __future__ import annotations

import enum
import struct
from typing import List, NamedTuple, Optional, Tuple

from .errors import ProtocolError

HEADER = struct.Struct(">2sBBBBHII")
"""struct layout of the 16-byte header."""
HEADER_SIZE = HEADER.size
MAGIC = b"RD"
PROTOCOL_VERSION = 1
RESPONSE_FLAG = 0x01
DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024
"""The daemon's default frame body limit (4 MiB); larger requests are refused before sending."""
MAX_REQUEST_ID = 0xFFFFFFFF


class Opcode(enum.IntEnum):
    """Operation codes of protocol version 1 (header byte 3)."""

    PING = 0x01
    EMBED = 0x02
    INTENT = 0x03
    RECOMMEND = 0x04
    FEEDBACK = 0x05
    ITEMS = 0x06
    SIMILAR = 0x07
    STATS = 0x08
    INTENTS_RELOAD = 0x09


class Status(enum.IntEnum):
    """Response status codes (header bytes 6-7)."""

    OK = 0x0000
    BAD_REQUEST = 0x0001
    NOT_FOUND = 0x0002
    TOO_LARGE = 0x0003
    BUSY = 0x0004
    UNAVAILABLE = 0x0005
    INTERNAL = 0x0006
    UNKNOWN_OPCODE = 0x0007
    UNSUPPORTED_VERSION = 0x0008


def opcode_name(opcode: int) -> str:
    """Upper-case name of `opcode` as in PROTOCOL.md, or its hex value when unknown."""
    try:
        return Opcode(opcode).name
    except ValueError:
        return "0x%02X" % opcode


class Header(NamedTuple):
    """A decoded frame header."""

    version: int
    opcode: int
    is_response: bool
    status: int
    request_id: int
    body_length: int


class Frame(NamedTuple):
    """A whole frame: header fields plus body bytes."""

    header: Header
    body: bytes


def encode_header(opcode: int, request_id: int, body_length: int, *, is_response: bool = False,
                  status: int = 0, version: int = PROTOCOL_VERSION) -> bytes:
    """The 16 header bytes for a frame."""
    flags = RESPONSE_FLAG if is_response else 0
    return HEADER.pack(MAGIC, version, opcode, flags, 0, status, request_id, body_length)


def encode_request(opcode: int, request_id: int, body: bytes, *, version: int = PROTOCOL_VERSION) -> bytes:
    """A complete request frame: header followed by `body`."""
    return HEADER.pack(MAGIC, version, opcode, 0, 0, 0, request_id, len(body)) + body


def decode_header(raw: bytes, *, expect_response: Optional[bool] = True,
                  max_body_bytes: int = DEFAULT_MAX_BODY_BYTES) -> Header:
    """Parses and checks the first 16 bytes of `raw`.

    Raises ProtocolError naming what was expected and what was found when the
    magic, version, flag or reserved bits, direction or length are wrong: after
    that the byte stream cannot be trusted. `expect_response=None` accepts both
    directions (for test vectors).
    """
    if len(raw) < HEADER_SIZE:
        raise ProtocolError("frame header needs %d bytes, found %d" % (HEADER_SIZE, len(raw)))
    magic, version, opcode, flags, reserved, status, request_id, length = HEADER.unpack_from(raw)
    if magic != MAGIC:
        raise ProtocolError("bad frame magic: expected 52 44 (\"RD\"), found %s; is this socket a recd daemon?"
                            % magic.hex(" "))
    if version != PROTOCOL_VERSION:
        raise ProtocolError("unsupported protocol version %d in a frame from the server; this client speaks %d"
                            % (version, PROTOCOL_VERSION))
    if flags & ~RESPONSE_FLAG or reserved:
        raise ProtocolError("reserved header bits must be 0: found flags 0x%02X and reserved byte 0x%02X"
                            % (flags, reserved))
    is_response = bool(flags & RESPONSE_FLAG)
    if expect_response is not None and is_response != expect_response:
        raise ProtocolError("expected a %s frame, found a %s frame" % (
            "response" if expect_response else "request", "response" if is_response else "request"))
    if length > max_body_bytes:
        raise ProtocolError("frame body of %d bytes exceeds the limit of %d bytes" % (length, max_body_bytes))
    return Header(version, opcode, is_response, status, request_id, length)


class FrameReader:
    """Splits a byte stream into frames; two states: waiting for a header, waiting for a body.

    Feed it whatever `recv` returned; it returns the frames completed so far and
    keeps the remainder. An oversized length is rejected before any allocation.
    """

    __slots__ = ("_buffer", "_header", "_max_body_bytes", "_expect_response")

    def __init__(self, *, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES, expect_response: bool = True) -> None:
        self._buffer = bytearray()
        self._header: Optional[Header] = None
        self._max_body_bytes = max_body_bytes
        self._expect_response = expect_response

    def feed(self, data: bytes) -> List[Frame]:
        """Appends `data` and returns every frame now complete, in order."""
        buffer = self._buffer
        buffer += data
        frames: List[Frame] = []
        offset = 0
        end = len(buffer)
        header = self._header
        while True:
            if header is None:
                if end - offset < HEADER_SIZE:
                    break
                header = decode_header(bytes(buffer[offset:offset + HEADER_SIZE]),
                                       expect_response=self._expect_response,
                                       max_body_bytes=self._max_body_bytes)
                offset += HEADER_SIZE
            length = header.body_length
            if end - offset < length:
                break
            frames.append(Frame(header, bytes(buffer[offset:offset + length])))
            offset += length
            header = None
        self._header = header
        if offset:
            del buffer[:offset]
        return frames

    def split(self, data: bytes) -> List[Tuple[int, int, int, bytes]]:
        """Like `feed`, for the clients' hot path: (request id, status, opcode, body) per response.

        When nothing is buffered (the usual case: reads end on frame boundaries) the
        frames are cut straight out of `data`, without copying it into the buffer or
        building header objects; the checks are the same as `feed`'s.
        """
        if self._buffer or self._header is not None:
            return [(f.header.request_id, f.header.status, f.header.opcode, f.body) for f in self.feed(data)]
        out: List[Tuple[int, int, int, bytes]] = []
        unpack, limit = HEADER.unpack_from, self._max_body_bytes
        offset, end = 0, len(data)
        while end - offset >= HEADER_SIZE:
            magic, version, opcode, flags, reserved, status, request_id, length = unpack(data, offset)
            if (magic != MAGIC or version != PROTOCOL_VERSION or flags != RESPONSE_FLAG or reserved
                    or length > limit or not self._expect_response):
                decode_header(data[offset:offset + HEADER_SIZE], expect_response=self._expect_response,
                              max_body_bytes=limit)  # raises ProtocolError, naming what is wrong
            stop = offset + HEADER_SIZE + length
            if stop > end:
                break
            out.append((request_id, status, opcode, data[offset + HEADER_SIZE:stop]))
            offset = stop
        if offset < end:
            self.feed(data[offset:])  # a partial frame: buffered until the rest arrives
        return out

    @property
    def buffered(self) -> int:
        """Bytes held that do not yet form a whole frame (a partial header counts)."""
        return len(self._buffer) + (HEADER_SIZE if self._header is not None else 0)
