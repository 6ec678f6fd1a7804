"""Run LiveQA under gevent (LIVEQA_ASYNC_MODE=gevent); the only module that imports gevent.

liveqa/server.py calls patch() before it imports the app, then serve(). Websockets go
through python-engineio's gevent driver with simple-websocket (gevent-websocket, which the
driver would prefer if installed, is unmaintained and is deliberately not a dependency).
permessage-deflate is refused by liveqa/websocket_transport.py's RefuseDeflate, in the app,
under every mode: simple-websocket negotiates only what the request's headers offer.
Its DirectFanout is eventlet-only; under gevent every packet takes python-engineio's queue.
"""

import signal
import socket
import sys


def patch(database_url):
    """Make the standard library and the PostgreSQL driver cooperative under gevent."""
    from gevent import monkey

    # Before Flask, SQLAlchemy, redis or threading are imported by the app factory;
    # anything imported earlier keeps blocking calls that stall every other client.
    monkey.patch_all()
    if database_url.startswith("postgresql"):
        # psycopg2 is C code that patch_all cannot reach; without this a slow query
        # blocks the whole process.
        from psycogreen.gevent import patch_psycopg

        patch_psycopg()


def run_blocking(function, *args):
    """Run FUNCTION(*ARGS) in gevent's pool of OS threads; only this greenlet waits."""
    import gevent

    return gevent.get_hub().threadpool.apply(function, args)


def _listen(host, port, backlog):
    """Return a listening (gevent) socket bound to HOST:PORT."""
    family, _, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    listener = socket.socket(family, socket.SOCK_STREAM)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(address)
        listener.listen(backlog)
    except BaseException:
        listener.close()
        raise
    return listener


def bound_websocket_messages(eio):
    """Make EIO's gevent websockets refuse a message over max_http_buffer_size as it arrives."""
    from engineio.async_drivers import gevent as driver

    if driver.SimpleWebSocketWSGI is None:
        # gevent-websocket is installed and the driver uses it instead (see the docstring).
        return None
    limit = int(eio.max_http_buffer_size)

    # Upstream (python-engineio 4.15) gives eventlet's websocket this limit but not
    # simple-websocket, which then buffers a frame of any announced size in full before
    # Engine.IO checks it: a memory sink for one client. With it, simple-websocket closes
    # the connection (1009) once the message passes the limit.
    class BoundedWebSocket(driver.WebSocketWSGI):
        def __init__(self, handler, server):
            super().__init__(handler, server)
            self.server_args["max_message_size"] = limit

    # The driver's table is shared by every server of the process: give this one its own.
    eio._async = {**eio._async, "websocket": BoundedWebSocket}
    return BoundedWebSocket


def _handler_class():
    """Return gevent's WSGI handler, made to close a connection its websocket has used."""
    from gevent.pywsgi import WSGIHandler

    class Handler(WSGIHandler):
        def handle_one_response(self):
            super().handle_one_response()
            # simple-websocket read and closed this connection itself: what is left in the
            # buffer is websocket frames, not a next HTTP request to parse.
            if self.environ.get("HTTP_UPGRADE", "").lower() == "websocket":
                self.close_connection = True

    return Handler


def _drain(server, in_flight, grace_seconds):
    """Stop accepting, wait up to GRACE_SECONDS for in-flight requests, then exit."""
    import gevent

    sys.stdout.write(f"SIGTERM: draining {in_flight.count} request(s), {grace_seconds}s at most\n")
    sys.stdout.flush()
    # Closing the listener makes new connections fail at once, so a proxy sends them to
    # another process; the handlers already running go on.
    server.close()
    in_flight.finish(grace_seconds, gevent.sleep)


def serve(in_flight, cfg, host, port, access_log):
    """Serve the IN_FLIGHT-wrapped app on HOST:PORT with gevent's WSGI server until SIGTERM."""
    import gevent
    from gevent.event import Event
    from gevent.pywsgi import WSGIServer

    from liveqa.extensions import socketio

    bound_websocket_messages(socketio.server.eio)
    listener = _listen(host, port, cfg.SERVER_LISTEN_BACKLOG)
    # spawn=N: a pool of N handler greenlets, one a connection; when it is full the server
    # stops accepting until one ends, as eventlet's max_size does.
    server = WSGIServer(
        listener,
        in_flight,
        spawn=cfg.SERVER_MAX_CONNECTIONS,
        handler_class=_handler_class(),
        log="default" if access_log else None,
    )

    def on_sigterm():
        if in_flight.draining:
            return
        in_flight.draining = True
        gevent.spawn(_drain, server, in_flight, cfg.SHUTDOWN_GRACE_SECONDS)

    # gevent watches signals in its loop, so the handler runs at once even while the hub
    # sleeps: eventlet's wake-up socket pair is not needed here.
    gevent.signal_handler(signal.SIGTERM, on_sigterm)
    server.start()
    # Not serve_forever(): its stop() would kill the handlers after one second; _drain
    # ends the process itself.
    Event().wait()
