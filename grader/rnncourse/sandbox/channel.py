"""Length-prefixed messages over a Unix socket, with deadlines on every read.

A reader never blocks past its deadline, even when the other side sends half a
message and stops (a student process may do anything).

The socket stays in blocking mode; a read with a deadline first polls for
data. A message usually arrives whole, so one poll and one recv bring it in
(switching the socket's timeout per read would cost extra system calls on
every one of the hundreds of round trips a student's checks make).
"""

from __future__ import annotations

import select
import socket
import struct
import time

_LENGTH = struct.Struct("<Q")
_CHUNK = 1 << 20
_SMALLEST_READ = 1 << 16  # reads past the message stay pending for the next one


class ChannelTimeout(Exception):
    pass


class ChannelClosed(Exception):
    pass


class MessageTooLarge(Exception):
    """The next message says it is longer than the reader accepts: nothing of it
    is read, and the channel is of no further use."""


class Channel:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        sock.settimeout(None)
        self._poller = select.poll()
        self._poller.register(sock, select.POLLIN)
        self._pending = bytearray()  # bytes read past the end of the last message

    @classmethod
    def from_fd(cls, fd: int) -> Channel:
        return cls(socket.socket(fileno=fd))

    def send(self, blob: bytes) -> None:
        try:
            self.sock.sendall(_LENGTH.pack(len(blob)) + blob)
        except OSError as error:
            raise ChannelClosed(str(error)) from None

    def receive(self, timeout: float | None = None, max_size: int = 1 << 62) -> bytes:
        deadline = None if timeout is None else time.monotonic() + timeout
        self._fill(_LENGTH.size, deadline)
        (size,) = _LENGTH.unpack_from(self._pending)
        if size > max_size:
            raise MessageTooLarge(f"a message of {size} bytes, over the limit of {max_size}")
        end = _LENGTH.size + size
        self._fill(end, deadline)
        message = bytes(memoryview(self._pending)[_LENGTH.size:end])
        del self._pending[:end]
        return message

    def _fill(self, size: int, deadline: float | None) -> None:
        """Read until at least ``size`` bytes are pending."""
        while len(self._pending) < size:
            if deadline is not None:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not self._poller.poll(remaining * 1000):
                    raise ChannelTimeout()
            wanted = size - len(self._pending)
            # no min() or max(): in a student's process, its code may have replaced them
            wanted = _CHUNK if wanted > _CHUNK else _SMALLEST_READ if wanted < _SMALLEST_READ \
                else wanted
            try:
                chunk = self.sock.recv(wanted)
            except OSError as error:
                raise ChannelClosed(str(error)) from None
            if not chunk:
                raise ChannelClosed("the other side closed the connection")
            self._pending += chunk

    def close(self) -> None:
        self.sock.close()
