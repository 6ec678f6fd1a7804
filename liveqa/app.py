"""The application factory: every extension, hook, blueprint and command, wired once."""

from flask import Flask
from flask_babel import gettext as _
from werkzeug.middleware.proxy_fix import ProxyFix

from config import BASE_DIR, INSTANCE_DIR, get_config, socket_origins
from liveqa import (
    address_limits,
    api,
    auth,
    broadcast,
    cli,
    database,
    errors,
    i18n,
    pages,
    realtime,
    security,
)
from liveqa.database import configure_engine, engine_options
from liveqa.domain.phones import init_phone_vault
from liveqa.engineio_guard import EngineIOGuard
from liveqa.extensions import babel, csrf, db, login_manager, migrate, socketio
from liveqa.socket_guard import AdmissionGate
from liveqa.websocket_transport import RefuseDeflate


def create_app(config_name: str | None = None, **overrides):
    """Build the Flask application for CONFIG_NAME with OVERRIDES applied."""
    config = get_config(config_name)
    app = Flask(
        # The package, not this module, names the app (and so its logger).
        "liveqa",
        static_folder=str(BASE_DIR / "static"),
        template_folder=str(BASE_DIR / "templates"),
        instance_path=str(INSTANCE_DIR),
    )
    app.config.from_object(config)
    app.config.update(overrides)
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError("LIVEQA_SECRET_KEY must be set")
    config.validate()
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite:///"):
        INSTANCE_DIR.mkdir(exist_ok=True)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(uri) | dict(
        app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    )

    init_phone_vault(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(BASE_DIR / "liveqa" / "migrations"))
    babel.init_app(app, locale_selector=i18n.select_locale)
    login_manager.init_app(app)
    csrf.init_app(app)
    socketio.init_app(
        app,
        async_mode=app.config["ASYNC_MODE"],
        message_queue=app.config["SOCKETIO_MESSAGE_QUEUE"],
        channel=app.config["SOCKETIO_CHANNEL"],
        cors_allowed_origins=socket_origins(app.config),
        max_http_buffer_size=app.config["SOCKETIO_MAX_MESSAGE_BYTES"],
        manage_session=False,
    )
    # Around Socket.IO's middleware: python-engineio holds some bad POSTs ~50 s otherwise.
    engineio_path = app.wsgi_app.engineio_path
    app.wsgi_app = EngineIOGuard(app.wsgi_app, socketio.server.eio, engineio_path)
    if not app.config["WEBSOCKET_DEFLATE"]:
        # Per-socket zlib memory and per-message compression cost more than live events save.
        app.wsgi_app = RefuseDeflate(app.wsgi_app, engineio_path)
    with app.app_context():
        configure_engine(db.engine, app.config["SQLITE_LOCK_WAIT_SECONDS"])
    database.init_app(app)
    hops = app.config["PROXY_HOPS"]
    if hops:
        # Around Socket.IO's middleware too (inside only the admission gate), so socket
        # events see the client.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    i18n.init_app(app)
    auth.init_app(app)
    errors.register_error_handlers(app)
    security.init_app(app)
    broadcast.init_app(app)
    api.init_app(app)
    pages.init_app(app)
    # After the blueprints: it wraps their public write views.
    address_limits.init_app(app)
    realtime.init_app(app)
    # Outermost, so a handshake over the admission rate costs the least; the rate is the
    # process's, not an address's, so it needs no ProxyFix.
    guard = app.extensions[realtime.GUARD_KEY]
    app.wsgi_app = AdmissionGate(app.wsgi_app, guard, _busy_refusal(app), engineio_path)
    cli.init_app(app)
    return app


def _busy_refusal(app):
    """Return what builds the JSON error a handshake over the admission rate is answered."""

    def build(environ):
        # The handshake's own query and cookie give the reader's language.
        with app.request_context(environ):
            message = _("Many people are connecting right now; reconnecting in a moment.")
            return {"error": {"code": "busy", "message": str(message)}}

    return build
