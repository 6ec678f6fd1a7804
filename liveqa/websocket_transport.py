"""Cut the per-recipient cost of the websocket transport: no deflate, broadcast frames written once.

Two hooks, each registered explicitly (app.py, server.py), none by importing this module:

`RefuseDeflate` (WSGI middleware, any async mode): drops the `Sec-WebSocket-Extensions`
request header of Socket.IO requests. eventlet's `WebSocketWSGI._handle_hybi_request`
negotiates permessage-deflate from `environ["HTTP_SEC_WEBSOCKET_EXTENSIONS"]` alone, and
answers a request without it with no extension: each socket then needs no zlib streams
(about 90 KB each) and no compression per message. Same effect as nginx's
`proxy_set_header Sec-WebSocket-Extensions "";`.

`DirectFanout` (eventlet only; python-engineio 4.15.1, eventlet 0.41.3): upstream, every
packet to a websocket-transport socket goes `Server.send_packet` -> `Socket.send` ->
`queue.put`, which schedules a hub timer that wakes the socket's writer greenlet, which
frames the text again for each recipient and sends it. For one broadcast to N sockets
that is N queue entries, N timers, N greenlet switches and N frames built. This writes
the frame (built once per packet object; python-socketio's Manager.emit hands every
recipient the same one) straight to the socket's non-blocking file descriptor when the
socket is idle: upgraded, no deflate, nothing queued, no writer mid-send (its send lock
free). Anything else (polling, upgrading, closing, binary, a busy socket) takes the
upstream path, and a partial write holds the send lock until a green task has written the
rest, so later packets queue behind it: each socket's order is kept. Engine.IO's own
pings still go through the queue; they keep the writer from timing out its wait.
tests/test_websocket_transport_pins.py fails when an upgrade moves what this relies on.
"""

import contextlib
import logging
import socket as stdlib_socket
import struct

logger = logging.getLogger(__name__)

WEBSOCKET_EXTENSIONS = "HTTP_SEC_WEBSOCKET_EXTENSIONS"
# RFC 6455 frame header: FIN + text opcode; unmasked (server to client).
TEXT_FIN = 0x81


class RefuseDeflate:
    """WSGI middleware hiding a client's websocket extension offer from the Socket.IO server."""

    def __init__(self, app, path="/socket.io/"):
        self.app = app
        self.path = path.rstrip("/") + "/"

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO", "").startswith(self.path):
            environ.pop(WEBSOCKET_EXTENSIONS, None)
        return self.app(environ, start_response)


def text_frame(text):
    """Return TEXT as one unmasked, uncompressed, final RFC 6455 text frame."""
    data = text.encode("utf-8")
    length = len(data)
    if length < 126:
        header = struct.pack("!BB", TEXT_FIN, length)
    elif length < 65536:
        header = struct.pack("!BBH", TEXT_FIN, 126, length)
    else:
        header = struct.pack("!BBQ", TEXT_FIN, 127, length)
    return header + data


class DirectFanout:
    """Write each packet's frame once-built straight to idle websocket-transport sockets."""

    def __init__(self, eio, green_socket_class):
        self.eio = eio
        # Only this exact class is a plain TCP socket whose .fd may be written directly;
        # anything else (TLS above all) goes through its own send.
        self.green_socket_class = green_socket_class
        self.sockets = {}  # Engine.IO sid -> (engineio Socket, eventlet websocket)
        self.direct = 0
        self.queued = 0
        self.spilled = 0
        self._queued_send = eio.send_packet
        self._last = (None, b"")

    def install(self):
        """Hook the Engine.IO server's websocket factory and packet sends."""
        make_websocket = self.eio._async["websocket"]

        def websocket(handler, server):
            return make_websocket(self._tracked(handler), server)

        # A copy: the driver's dict is shared by every server of this async mode.
        self.eio._async = {**self.eio._async, "websocket": websocket}
        self.eio.send_packet = self.send_packet
        logger.info("direct websocket fan-out installed")
        return self

    def _tracked(self, handler):
        """Wrap Engine.IO's websocket handler so the socket's websocket is known while it runs."""
        eio_socket = handler.__self__

        def run(ws):
            if not self._writable(ws):
                return handler(ws)
            self.sockets[eio_socket.sid] = (eio_socket, ws)
            try:
                return handler(ws)
            finally:
                if self.sockets.get(eio_socket.sid, (None, None))[1] is ws:
                    del self.sockets[eio_socket.sid]

        return run

    def _writable(self, ws):
        """Return whether WS takes our frames: RFC 6455 framing, no extension, plain TCP."""
        return (
            getattr(ws, "version", None) in (8, 13)
            and not getattr(ws, "extensions", None)
            and type(getattr(ws, "socket", None)) is self.green_socket_class
        )

    def send_packet(self, sid, pkt):
        """Send PKT to session SID: written now if its websocket is idle, else queued."""
        entry = self.sockets.get(sid)
        if entry is None or pkt.binary:
            self.queued += 1
            return self._queued_send(sid, pkt)
        eio_socket, ws = entry
        if (
            eio_socket.closing
            or eio_socket.upgrading
            or not eio_socket.upgraded
            or eio_socket.queue.qsize()
            or not ws._sendlock.acquire(blocking=False)
        ):
            self.queued += 1
            return self._queued_send(sid, pkt)
        # Holding the send lock: the writer cannot start a frame until it is released.
        if not eio_socket.check_ping_timeout():
            ws._sendlock.release()
            return None
        self.direct += 1
        self._write(ws, self._frame(pkt))
        return None

    def _frame(self, pkt):
        """Return PKT's websocket frame, built once for all the recipients of one packet."""
        last_pkt, frame = self._last
        if last_pkt is not pkt:
            # Keeping the packet keeps its id from being reused by another.
            frame = text_frame(pkt.encode())
            self._last = (pkt, frame)
        return frame

    def _write(self, ws, frame):
        """Write FRAME without waiting; a remainder goes on in a green task holding the lock."""
        try:
            sent = ws.socket.fd.send(frame)
        except BlockingIOError:
            sent = 0
        except OSError:
            # The peer is gone: its reader sees that and closes the session, as upstream.
            ws._sendlock.release()
            return
        if sent == len(frame):
            ws._sendlock.release()
            return
        self.spilled += 1
        self.eio.start_background_task(self._finish, ws, memoryview(frame)[sent:])

    @staticmethod
    def _finish(ws, rest):
        """Write the rest of a frame, waiting for the client as upstream's writer would."""
        try:
            ws.socket.sendall(rest)
        except OSError:
            # Gone, or not reading for the socket's timeout: end its reader, and the session.
            with contextlib.suppress(OSError):
                ws.socket.fd.shutdown(stdlib_socket.SHUT_RDWR)
        finally:
            ws._sendlock.release()
