"""Python client for recd, the local intent-recognition and recommendation daemon.

::

    import recd

    with recd.Client("/tmp/recd.sock") as client:
        print(client.intent("red lipstick under $20").intent)

:class:`Client` is blocking and thread-safe; :class:`AsyncClient` is for asyncio.
Both pipeline requests on one Unix-socket connection, reconnect after the daemon
restarts and raise a :class:`RecdError` subclass per response status.
"""

from . import ops, recd_pb2
from ._frame import PROTOCOL_VERSION, Opcode, Status
from .aio import AsyncClient
from .client import Client, ResponseFuture, default_socket_path
from .errors import (BadRequest, Busy, ConnectionFailed, Internal, NotFound, ProtocolError, RecdError, Timeout,
                     TooLarge, Unavailable, UnknownOpcode, UnsupportedVersion)

__version__ = "0.1.0"

__all__ = [
    "AsyncClient", "Client", "ResponseFuture", "default_socket_path", "ops", "recd_pb2",
    "Opcode", "Status", "PROTOCOL_VERSION",
    "RecdError", "BadRequest", "NotFound", "TooLarge", "Busy", "Unavailable", "Internal", "UnknownOpcode",
    "UnsupportedVersion", "ConnectionFailed", "Timeout", "ProtocolError",
]
