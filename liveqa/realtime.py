"""Socket.IO edge: who may listen to which room; every command stays on HTTP."""

import logging
from dataclasses import dataclass, field
from functools import wraps

from flask import current_app, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_socketio import join_room
from sqlalchemy import select

from liveqa import rooms
from liveqa.database import DatabaseBusy, reading_only
from liveqa.domain.errors import DomainError, Forbidden, NotFound, ValidationError
from liveqa.domain.permissions import can_follow_official, can_use_desk, is_official
from liveqa.domain.questions import find_tracked_question
from liveqa.extensions import db, socketio
from liveqa.models import LiveSession, Official, User
from liveqa.serializers import question_tracking
from liveqa.socket_guard import Budget, SocketGuard

log = logging.getLogger(__name__)
EXTENSION_KEY = "liveqa_realtime"
WATCH_KEY = "liveqa_session_watch"
HEARTBEAT_KEY = "liveqa_heartbeat"
GUARD_KEY = "liveqa_socket_guard"
HEARTBEAT_EVENT = "heartbeat"
ROOM_KINDS = ("public", "screen", "moderators", "official")
# Bounds on what one socket may subscribe to, so a client cannot grow server memory.
MAX_ROOMS_PER_SOCKET = 20
MAX_TRACKED_CODES = 20
MAX_CODE_CHARS = 40


@dataclass
class SocketState:
    """What the server remembers about one connected socket."""

    user_id: int | None = None
    # The user's session generation when the socket connected (see User.get_id).
    generation: int | None = None
    # Each joined session room, with its session's id (for the heartbeat).
    rooms: dict[str, int] = field(default_factory=dict)
    tracked: set[str] = field(default_factory=set)


def _sockets() -> dict[str, SocketState]:
    return current_app.extensions[EXTENSION_KEY]


def _state() -> SocketState:
    state = _sockets().get(request.sid)
    if state is None:
        # Only a socket whose connect handler ran has state; anything else is refused.
        raise Forbidden(_("Reconnect and try again."), code="not_connected")
    return state


def _ok(**data) -> dict:
    return {"ok": True, **data}


def _fail(code: str, message, field_name: str | None = None) -> dict:
    error = {"code": code, "message": str(message)}
    if field_name:
        error["field"] = field_name
    return {"ok": False, "error": error}


def _isolated(handler):
    """Run HANDLER in its own app context: its own DB session and g, removed on return."""

    @wraps(handler)
    def wrapper(*args):
        # The pushed context's teardown removes the DB session, so no transaction outlives
        # the event, and g (current_user, locale) is fresh. Socket events only read, so on
        # SQLite they never take (or wait for) the write lock.
        with current_app.app_context(), reading_only():
            try:
                return handler(*args)
            finally:
                db.session.rollback()

    return wrapper


def _acked(handler):
    """Turn HANDLER's errors into an {"ok": false, "error": ...} acknowledgement."""

    @wraps(handler)
    def wrapper(*args):
        try:
            return handler(*args)
        except DomainError as error:
            return _fail(error.code, error.message, error.field)
        except DatabaseBusy:
            return _fail("busy", _("The server is busy; please try again in a moment."))
        except Exception:
            log.exception("socket event %s failed", getattr(request, "event", None))
            return _fail("internal", _("Something went wrong on our side; nothing was lost."))

    return _isolated(wrapper)


def _positive_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValidationError(_("This must be a positive whole number."), field=name)
    return value


def _payload(data) -> dict:
    if not isinstance(data, dict):
        raise ValidationError(_("The event data must be an object."), code="bad_request")
    return data


def _session_ended(user: User | None, state: SocketState) -> bool:
    return user is None or not user.active or user.session_generation != state.generation


def _staff_user(state: SocketState) -> User:
    """Return the socket's staff user, re-read so a deactivated or logged-out one loses access."""
    user = db.session.get(User, state.user_id) if state.user_id is not None else None
    if _session_ended(user, state):
        raise Forbidden(_("Please log in."), code="login_required")
    return user


def _room_for(state: SocketState, kind: str, session_id: int, data: dict) -> str:
    """Return the room KIND of SESSION_ID names, if this socket may join it."""
    if kind == "public":
        return rooms.public_room(session_id)
    if kind == "screen":
        return rooms.screen_room(session_id)
    user = _staff_user(state)
    if kind == "moderators":
        if not can_use_desk(user):
            raise Forbidden(_("Your role may not do this."))
        return rooms.moderators_room(session_id)
    asked = data.get("official_id")
    if is_official(user):
        own = user.official
        if own is None:
            raise Forbidden(_("Your account is not linked to an official."), code="no_official")
        if not can_follow_official(user, asked):
            raise Forbidden(_("You may only follow your own questions."))
        return rooms.official_room(session_id, own.id)
    if not can_follow_official(user, asked):
        raise Forbidden(_("Your role may not do this."))
    official_id = _positive_int(asked, "official_id")
    if db.session.get(Official, official_id) is None:
        raise NotFound(_("Not a valid choice."), code="unknown_official")
    return rooms.official_room(session_id, official_id)


@_isolated
def on_connect(auth=None):
    """Accept the socket and remember who opened it (a citizen or a staff user)."""
    if auth is not None and not isinstance(auth, dict):
        raise ConnectionRefusedError("unsupported auth data")
    if not current_user.is_authenticated:
        _sockets()[request.sid] = SocketState()
        return
    # The user's room lets one emit, through the message queue, reach all their sockets.
    join_room(rooms.user_room(current_user.id))
    _sockets()[request.sid] = SocketState(
        user_id=current_user.id, generation=current_user.session_generation
    )
    current_app.extensions[WATCH_KEY].start()


def on_disconnect(reason=None):
    """Forget the socket; Socket.IO itself drops its rooms."""
    _sockets().pop(request.sid, None)


@_acked
def on_join(data=None):
    """Join a session's room; ack with the current number of the stream that room hears."""
    data = _payload(data)
    state = _state()
    session_id = _positive_int(data.get("session_id"), "session_id")
    kind = data.get("room")
    if kind not in ROOM_KINDS:
        raise ValidationError(_("Unknown room."), code="unknown_room", field="room")
    if db.session.get(LiveSession, session_id) is None:
        raise NotFound(_("No such session."), code="unknown_session")
    room = _room_for(state, kind, session_id, data)
    if room not in state.rooms and len(state.rooms) >= MAX_ROOMS_PER_SOCKET:
        raise ValidationError(_("Too many rooms on one connection."), code="too_many_rooms")
    # Join before reading seq: every change numbered after the ack reaches this socket.
    join_room(room)
    state.rooms[room] = session_id
    current_app.extensions[HEARTBEAT_KEY].start()
    column = LiveSession.public_seq if rooms.hears_public_stream(room) else LiveSession.seq
    return _ok(seq=db.session.scalar(select(column).where(LiveSession.id == session_id)))


@_acked
def on_track(data=None):
    """Follow one question by its tracking code; ack with its tracking view."""
    data = _payload(data)
    state = _state()

    def check_tracked_cap(code):
        if code not in state.tracked and len(state.tracked) >= MAX_TRACKED_CODES:
            raise ValidationError(
                _("Too many questions followed on one connection."), code="too_many_codes"
            )

    question = find_tracked_question(
        data.get("code"),
        request.remote_addr or "",
        malformed_as_unknown=False,
        max_chars=MAX_CODE_CHARS,
        before_lookup=check_tracked_cap,
    )
    code = question.tracking_code
    join_room(rooms.tracking_room(code))
    state.tracked.add(code)
    return _ok(question=question_tracking(question))


def on_ping(data=None):
    """Answer a liveness check."""
    return _ok()


@_isolated
def on_other(event, *args):
    """Refuse every event this server does not define; it changes nothing."""
    return _fail("unknown_event", _("Unknown event."))


class SessionWatch:
    """Close this process's staff sockets whose session ended, wherever it was ended."""

    # Log-outs close sockets at once through the user's room; this check also catches
    # what no message reached (a deactivation from the command line without a message
    # queue, a queue outage), at the cost of one small query a tick while staff are here.

    def __init__(self, app):
        self.app = app
        self.interval = app.config["STAFF_SESSION_CHECK_SECONDS"]
        self._started = False

    def start(self) -> None:
        """Start checking in the background, once per process (not when the interval is 0)."""
        if self.interval > 0 and not self._started:
            self._started = True
            socketio.start_background_task(self._run)

    def check(self) -> int:
        """Disconnect every staff socket whose session ended; return how many."""
        staff = [(sid, s) for sid, s in list(self.app.extensions[EXTENSION_KEY].items())]
        staff = [(sid, s) for sid, s in staff if s.user_id is not None]
        if not staff:
            return 0
        with self.app.app_context(), reading_only():
            ids = {state.user_id for _sid, state in staff}
            users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}
            ended = [sid for sid, state in staff if _session_ended(users.get(state.user_id), state)]
            db.session.rollback()
        for sid in ended:
            socketio.server.disconnect(sid, namespace="/", ignore_queue=True)
        return len(ended)

    def _run(self) -> None:
        while True:
            socketio.sleep(self.interval)
            try:
                self.check()
            except Exception:
                log.exception("staff session check failed")


class Heartbeat:
    """Tell this process's session rooms their stream's seq, so a missed change shows."""

    # A change lost on the way (a message-queue outage) is otherwise noticed only at the
    # next change. Every process reads the seq itself and emits to its own sockets only,
    # so the heartbeat needs no message queue; clients ignore a seq they already have.

    def __init__(self, app):
        self.app = app
        self.interval = app.config["HEARTBEAT_SECONDS"]
        self._started = False

    def start(self) -> None:
        """Start beating in the background, once per process (not when the interval is 0)."""
        if self.interval > 0 and not self._started:
            self._started = True
            socketio.start_background_task(self._run)

    def beat(self) -> int:
        """Emit {session_id, seq} of its stream to every session room here; return how many."""
        joined = {}
        for state in list(self.app.extensions[EXTENSION_KEY].values()):
            joined.update(state.rooms)
        if not joined:
            return 0
        with self.app.app_context(), reading_only():
            ids = set(joined.values())
            columns = (LiveSession.id, LiveSession.seq, LiveSession.public_seq)
            seqs = {
                row.id: row
                for row in db.session.execute(select(*columns).where(LiveSession.id.in_(ids)))
            }
            db.session.rollback()
        sent = 0
        for room, session_id in joined.items():
            if session_id in seqs:
                row = seqs[session_id]
                seq = row.public_seq if rooms.hears_public_stream(room) else row.seq
                payload = {"session_id": session_id, "seq": seq}
                socketio.emit(HEARTBEAT_EVENT, payload, to=room, ignore_queue=True)
                sent += 1
        return sent

    def _run(self) -> None:
        while True:
            socketio.sleep(self.interval)
            try:
                self.beat()
            except Exception:
                log.exception("heartbeat failed")


def _guard(app) -> SocketGuard:
    """Put the per-socket event budget and the per-address cap in front of APP's sockets."""

    def in_context(environ):
        # The guard runs before Flask-SocketIO's context: the socket's own request gives
        # the reader's language (?lang=, the language cookie), as its events' answers do.
        return app.request_context(environ) if environ else app.test_request_context()

    def rate_limited(environ):
        with in_context(environ):
            message = _("Too many messages on this connection; please slow down.")
            return _fail("rate_limited", message)

    def too_many_sockets(environ):
        with in_context(environ):
            message = _("Too many connections from your network; please try again shortly.")
            return {"error": {"code": "too_many_connections", "message": str(message)}}

    budget = Budget.from_config(app.config)
    return SocketGuard(socketio.server, budget, rate_limited, too_many_sockets).install()


def init_app(app) -> None:
    """Register the Socket.IO handlers on APP's server."""
    app.extensions[EXTENSION_KEY] = {}
    app.extensions[WATCH_KEY] = SessionWatch(app)
    app.extensions[HEARTBEAT_KEY] = Heartbeat(app)
    socketio.on_event("connect", on_connect)
    socketio.on_event("disconnect", on_disconnect)
    socketio.on_event("join", on_join)
    socketio.on_event("track", on_track)
    socketio.on_event("ping", on_ping)
    socketio.on_event("*", on_other)
    app.extensions[GUARD_KEY] = _guard(app)
