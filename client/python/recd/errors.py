"""Exceptions raised by the recd clients.

Every non-OK response status has its own subclass of :class:`RecdError`,
carrying the daemon's message (a sentence naming what was wrong). Failures on
the client side (no daemon, lost connection, timeout, a malformed frame) have
their own subclasses too, so callers can tell "retry later" from "fix the request".
"""

from __future__ import annotations

import builtins
from typing import Dict, Optional, Sequence, Type


class RecdError(Exception):
    """Base class of every recd client error.

    Attributes:
        message: the daemon's message (or the client's, for client-side errors).
        status: the response status code, or None for client-side errors.
        opcode: the opcode of the failed request, when known.
    """

    status_code: Optional[int] = None

    def __init__(self, message: str, *, status: Optional[int] = None, opcode: Optional[int] = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status if status is not None else self.status_code
        self.opcode = opcode

    def __str__(self) -> str:
        if self.opcode is None:
            return self.message
        from ._frame import opcode_name

        name = opcode_name(self.opcode)
        return self.message if self.message.startswith(name + " ") else "%s: %s" % (name, self.message)


class BadRequest(RecdError):
    """BAD_REQUEST (0x0001): malformed request or a field out of range; do not retry unchanged."""

    status_code = 0x0001


class NotFound(RecdError):
    """NOT_FOUND (0x0002): a named user, item or file does not exist."""

    status_code = 0x0002


class TooLarge(RecdError):
    """TOO_LARGE (0x0003): the frame or a field exceeds a documented limit."""

    status_code = 0x0003


class Busy(RecdError):
    """BUSY (0x0004): the daemon is overloaded; retry later with backoff."""

    status_code = 0x0004


class Unavailable(RecdError):
    """UNAVAILABLE (0x0005): the engine the opcode needs is not configured, or the daemon is draining."""

    status_code = 0x0005


class Internal(RecdError):
    """INTERNAL (0x0006): a daemon bug or unexpected failure; its log has the details."""

    status_code = 0x0006


class UnknownOpcode(RecdError):
    """UNKNOWN_OPCODE (0x0007): the daemon does not know the request's opcode."""

    status_code = 0x0007


class UnsupportedVersion(RecdError):
    """UNSUPPORTED_VERSION (0x0008): the daemon does not speak the frame's protocol version.

    Attributes:
        supported_versions: the versions the daemon says it speaks.
    """

    status_code = 0x0008

    def __init__(self, message: str, *, status: Optional[int] = None, opcode: Optional[int] = None,
                 supported_versions: Sequence[int] = ()) -> None:
        super().__init__(message, status=status, opcode=opcode)
        self.supported_versions = list(supported_versions)


class ConnectionFailed(RecdError, builtins.ConnectionError):
    """The daemon could not be reached, or the connection broke before the response arrived.

    A request that was already sent when the connection broke may or may not have
    been applied; the client does not resend it.
    """


class Timeout(RecdError, builtins.TimeoutError):
    """No response arrived within the request's timeout."""


class ProtocolError(RecdError):
    """The daemon sent bytes that are not a valid recd frame or message; the connection is dropped."""


STATUS_ERRORS: Dict[int, Type[RecdError]] = {
    cls.status_code: cls
    for cls in (BadRequest, NotFound, TooLarge, Busy, Unavailable, Internal, UnknownOpcode, UnsupportedVersion)
}
"""Exception class for each non-OK status code."""


def error_for_status(status: int, body: bytes, opcode: Optional[int] = None) -> RecdError:
    """The exception for a non-OK response with `body`, a serialised recd.v1.Error."""
    from . import recd_pb2

    err = recd_pb2.Error()
    try:
        err.ParseFromString(body)
        message = err.message or "(the daemon sent no message)"
    except Exception:  # noqa: BLE001 - any decode failure is reported the same way
        message = "(error body of %d bytes could not be decoded)" % len(body)
    cls = STATUS_ERRORS.get(status)
    if cls is UnsupportedVersion:
        return UnsupportedVersion(message, status=status, opcode=opcode,
                                  supported_versions=list(err.supported_versions))
    if cls is None:
        return RecdError("status 0x%04X (unknown to this client): %s" % (status, message),
                         status=status, opcode=opcode)
    return cls(message, status=status, opcode=opcode)
