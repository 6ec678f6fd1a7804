"""Socket.IO room names: the only place they are spelled."""


def public_room(session_id: int) -> str:
    """Return the room of a session's public board (citizens)."""
    return f"session:{session_id}:public"


def screen_room(session_id: int) -> str:
    """Return the room of a session's big screen."""
    return f"session:{session_id}:screen"


def moderators_room(session_id: int) -> str:
    """Return the room of a session's moderators and operators."""
    return f"session:{session_id}:moderators"


def official_room(session_id: int, official_id: int) -> str:
    """Return the room of one official's panel in a session."""
    return f"session:{session_id}:official:{official_id}"


def tracking_room(tracking_code: str) -> str:
    """Return the room that follows one question by its tracking code."""
    return f"track:{tracking_code}"


def user_room(user_id: int) -> str:
    """Return the room of every socket one staff user has open, on any process."""
    return f"user:{user_id}"


def hears_public_stream(room: str) -> bool:
    """Return whether session room ROOM hears the public stream (else the staff stream)."""
    return room in (public_room(_session_of(room)), screen_room(_session_of(room)))


def _session_of(room: str) -> int:
    parts = room.split(":")
    return int(parts[1]) if len(parts) > 2 and parts[1].isdigit() else 0
