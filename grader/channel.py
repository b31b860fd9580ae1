"""Length-prefixed messages over a Unix socket, with deadlines on every read.

A reader never blocks past its deadline, even when the other side sends half a
message and stops (a student process may do anything).
"""

from __future__ import annotations

import socket
import struct
import time

_LENGTH = struct.Struct("<Q")


class ChannelTimeout(Exception):
    pass


class ChannelClosed(Exception):
    pass


class Channel:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    @classmethod
    def from_fd(cls, fd: int) -> Channel:
        return cls(socket.socket(fileno=fd))

    def send(self, blob: bytes) -> None:
        self.sock.settimeout(None)
        try:
            self.sock.sendall(_LENGTH.pack(len(blob)) + blob)
        except OSError as error:
            raise ChannelClosed(str(error)) from None

    def receive(self, timeout: float | None = None, max_size: int = 1 << 62) -> bytes:
        deadline = None if timeout is None else time.monotonic() + timeout
        (size,) = _LENGTH.unpack(self._read(_LENGTH.size, deadline))
        if size > max_size:
            raise ChannelClosed(f"message of {size} bytes is over the limit of {max_size}")
        return self._read(size, deadline)

    def _read(self, size: int, deadline: float | None) -> bytes:
        parts = bytearray()
        while len(parts) < size:
            if deadline is not None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise ChannelTimeout()
                self.sock.settimeout(remaining)
            try:
                chunk = self.sock.recv(min(size - len(parts), 1 << 20))
            except TimeoutError:
                raise ChannelTimeout() from None
            except OSError as error:
                raise ChannelClosed(str(error)) from None
            if not chunk:
                raise ChannelClosed("the other side closed the connection")
            parts += chunk
        return bytes(parts)

    def close(self) -> None:
        self.sock.close()
