"""Admission under overload: while requests queue for the server, new logins and starts wait, so
that the answers of candidates already sitting keep flowing.

A sync worker serves one request at a time; requests no worker has taken yet wait in the listening
socket's accept queue, which every process of the server shares. Its length says how far behind
the server is: with Q requests queued, W workers and t of CPU each, a new request waits about
Q * t / W. Past EXAMAPP_ADMISSION_QUEUE queued requests, a route marked `@sheds_when_busy` (the
logins and the start of an attempt) is refused at once with 503 and Retry-After: that costs the
server well under a millisecond, where a password check costs 33 ms and a paper draw 10-20 ms.
Saves are never refused. The pages retry by themselves (static/busy-retry.js) and say so.

The queue is read with TCP_INFO from the listening socket the process inherited (Linux; a server
on a Unix socket, or the test client, has none, and is never refused).
"""

from __future__ import annotations

import os
import random
import socket
import struct
from collections.abc import Callable
from typing import TypeVar

from flask import Flask, current_app, request

from examapp.errors import Refusal
from examapp.messages import msg

F = TypeVar("F", bound=Callable)

# struct tcp_info: eight one-byte fields, then u32 rto, ato, snd_mss, rcv_mss, unacked, sacked.
# For a listening socket the kernel reports the accept queue's length in tcpi_unacked and its bound
# (the backlog) in tcpi_sacked.
_TCP_INFO_SIZE = 104
_UNACKED_OFFSET = 24
MAX_RETRY_SECONDS = 30


class ServerBusy(Refusal):
    """The server is behind with answers being saved: try again after `retry_after` seconds."""

    status = 503
    code = "busy"

    def __init__(self, retry_after: int) -> None:
        super().__init__(msg("the server is busy saving the answers of candidates already sitting; "
                             "try again in %(s)s seconds", s=retry_after))
        self.retry_after = retry_after


def sheds_when_busy(view: F) -> F:
    """Mark a route that is refused (503) while the server is behind; its POSTs only."""
    view.sheds_when_busy = True
    return view


def accept_queue(sock: socket.socket) -> int:
    """How many connections wait in the listening socket's accept queue."""
    info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, _TCP_INFO_SIZE)
    return struct.unpack_from("I", info, _UNACKED_OFFSET)[0]


def listening_sockets() -> list[socket.socket]:
    """The TCP sockets this process listens on (copies of their descriptors)."""
    found, seen = [], set()
    for name in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{name}")
            # a copy made here may take a number listed before it was made: skip what is seen
            if not target.startswith("socket:") or target in seen:
                continue
            seen.add(target)
            sock = socket.socket(fileno=os.dup(int(name)))
        except OSError:
            continue
        try:
            if (sock.family in (socket.AF_INET, socket.AF_INET6) and sock.type == socket.SOCK_STREAM
                    and sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN)):
                found.append(sock)
                continue
        except OSError:
            pass
        sock.close()
    return found


class QueueGauge:
    """How far behind this server is, from the accept queues of the sockets it listens on; the
    sockets are looked up once per process (a gunicorn worker inherits its master's)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._pid = 0
        self._sockets: list[socket.socket] = []

    def queued(self) -> int:
        if self._pid != os.getpid():
            self._pid, self._sockets = os.getpid(), listening_sockets()
        total = 0
        for sock in self._sockets:
            try:
                total += accept_queue(sock)
            except OSError:
                continue
        return total

    def retry_after(self) -> int | None:
        """Seconds a refused caller should wait, or None when the server keeps up."""
        if self.limit <= 0:
            return None
        queued = self.queued()
        if queued <= self.limit:
            return None
        # Longer the further behind, but short when just over the limit: a queue of about the
        # limit drains in well under a second, and the last arrivals of a room should not wait out
        # several seconds for a server that has caught up. Spread so a refused room does not come
        # back at once.
        base = queued // self.limit
        return min(MAX_RETRY_SECONDS, base + random.randint(0, 1))


def _admit() -> None:
    if request.method != "POST":
        return
    view = current_app.view_functions.get(request.endpoint or "")
    if not getattr(view, "sheds_when_busy", False):
        return
    wait = current_app.extensions["examapp.admission"].retry_after()
    if wait is not None:
        raise ServerBusy(wait)


def init_app(app: Flask) -> None:
    app.extensions["examapp.admission"] = QueueGauge(int(app.config["ADMISSION_QUEUE"]))
    app.before_request(_admit)
