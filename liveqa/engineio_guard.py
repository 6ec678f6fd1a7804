"""Answer bad Engine.IO polling POSTs with 400 at once, before python-engineio can hang on them.

Upstream behaviour (python-engineio 4.15.1, any async mode, eventlet included): when
`Socket.handle_post_request` raises `ContentTooLongError` (Content-Length over
`max_http_buffer_size`) or `UnknownPacketError` (a packet type the server does not accept
from a client, e.g. "9hello"), `Server.handle_request` calls `Server.disconnect(sid)`, which
calls `Socket.close()` with its default `wait=True`: that joins the session's outgoing
queue, which only a polling GET or the ping-timeout sweep ever drains. With no GET pending
the POST is held about ping_interval + ping_timeout (~50 s) before its 400 goes out.
This guard makes the same checks first and closes the session without waiting.
"""

import io
import logging
from urllib.parse import parse_qs

from engineio import packet, payload

logger = logging.getLogger(__name__)

# The packet types engineio.Socket.receive accepts from a client; any other raises.
ACCEPTED_TYPES = frozenset({packet.CLOSE, packet.PONG, packet.MESSAGE, packet.UPGRADE})

BAD_REQUEST = b'"Bad Request"'


class EngineIOGuard:
    """WSGI middleware refusing oversized or unknown-type polling POSTs of a live session."""

    def __init__(self, app, eio, path="/socket.io/"):
        self.app = app
        self.eio = eio
        self.path = path.rstrip("/") + "/"

    def __call__(self, environ, start_response):
        socket = self._polling_post_socket(environ)
        if socket is None:
            return self.app(environ, start_response)
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            # Upstream answers this at once; nothing to guard.
            return self.app(environ, start_response)
        if length > self.eio.max_http_buffer_size:
            # The body is left unread: close the connection rather than drain it.
            return self._refuse(socket, "body over max_http_buffer_size", start_response)
        body = environ["wsgi.input"].read(length)
        environ["wsgi.input"] = io.BytesIO(body)
        if _has_unknown_type(body):
            return self._refuse(socket, "unknown packet type", start_response)
        return self.app(environ, start_response)

    def _polling_post_socket(self, environ):
        """Return the live polling session a POST is for, or None when not guarded."""
        if environ.get("REQUEST_METHOD") != "POST":
            return None
        if not environ.get("PATH_INFO", "").startswith(self.path):
            return None
        query = parse_qs(environ.get("QUERY_STRING", ""))
        if query.get("transport") != ["polling"]:
            return None
        socket = self.eio.sockets.get(query.get("sid", [None])[0])
        # Other cases (no such session, not connected, upgraded) upstream answers at once.
        if socket is None or not socket.connected or socket.upgraded:
            return None
        return socket

    def _refuse(self, socket, reason, start_response):
        """Close SOCKET's session without waiting, as upstream means to, and answer 400."""
        logger.warning("Engine.IO polling POST refused (%s), session %s closed", reason, socket.sid)
        socket.close(wait=False, reason=self.eio.reason.SERVER_DISCONNECT)
        self.eio.sockets.pop(socket.sid, None)
        start_response(
            "400 BAD REQUEST",
            [
                ("Content-Type", "text/plain"),
                ("Content-Length", str(len(BAD_REQUEST))),
                ("Connection", "close"),
            ],
        )
        return [BAD_REQUEST]


def _has_unknown_type(body):
    """Return whether BODY decodes to a packet a server's socket refuses."""
    try:
        packets = payload.Payload(encoded_payload=body.decode("utf-8")).packets
    except Exception:
        # Undecodable payloads upstream logs and answers 200 at once: leave them to it.
        return False
    return any(pkt.packet_type not in ACCEPTED_TYPES for pkt in packets)
