"""Length-prefixed messages: whole messages only, never a wait past the deadline."""

import socket
import struct
import time

import pytest

from rnncourse.sandbox.channel import Channel, ChannelClosed, ChannelTimeout, MessageTooLarge


@pytest.fixture
def pair():
    ours, theirs = socket.socketpair()
    channel = Channel(ours)
    yield channel, theirs
    channel.close()
    theirs.close()


def framed(payload: bytes) -> bytes:
    return struct.pack("<Q", len(payload)) + payload


def test_a_message_comes_back_whole(pair):
    channel, other = pair
    Channel(other).send(b"hello")
    assert channel.receive(timeout=1) == b"hello"


def test_two_messages_in_one_write_are_read_one_at_a_time(pair):
    channel, other = pair
    other.sendall(framed(b"first") + framed(b"") + framed(b"third"))
    assert [channel.receive(timeout=1) for _ in range(3)] == [b"first", b"", b"third"]


def test_a_message_larger_than_the_socket_buffer_arrives_whole(pair):
    channel, other = pair
    payload = bytes(range(256)) * 40_000  # 10 MB, sent in pieces by a thread
    import threading

    sender = threading.Thread(target=Channel(other).send, args=(payload,))
    sender.start()
    assert channel.receive(timeout=10) == payload
    sender.join()


def test_half_a_message_times_out_at_the_deadline(pair):
    channel, other = pair
    other.sendall(framed(b"0123456789")[:12])
    started = time.monotonic()
    with pytest.raises(ChannelTimeout):
        channel.receive(timeout=0.2)
    assert 0.19 <= time.monotonic() - started < 1.0


def test_silence_times_out(pair):
    channel, _ = pair
    with pytest.raises(ChannelTimeout):
        channel.receive(timeout=0.05)


def test_a_closed_peer_is_reported(pair):
    channel, other = pair
    other.sendall(framed(b"abc")[:5])
    other.close()
    with pytest.raises(ChannelClosed):
        channel.receive(timeout=1)


def test_a_message_over_the_limit_is_refused_before_it_is_read(pair):
    channel, other = pair
    other.sendall(struct.pack("<Q", 1 << 40))
    with pytest.raises(MessageTooLarge, match="over the limit"):
        channel.receive(timeout=1, max_size=1 << 20)
