"""The demo's clock: a believable calendar, and steps played in time order."""

import random
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import inspect, select, update

from liveqa.extensions import db
from liveqa.models import AuditRecord, Question, UTCDateTime, utcnow

WEDNESDAY = 2
SESSION_START = time(10, 0)
SESSION_LENGTH = timedelta(hours=2)
# Questions are taken from two days before a session.
OPENS_BEFORE_START = timedelta(days=2)
ON_AIR_SLOT = timedelta(minutes=12)


def next_session_start(now: datetime, tz: ZoneInfo) -> datetime:
    """Return the coming Wednesday 10:00 in TZ as UTC; today's if its session has not ended."""
    local = now.astimezone(tz)
    days = (WEDNESDAY - local.weekday()) % 7
    start = datetime.combine(local.date() + timedelta(days=days), SESSION_START, tzinfo=tz)
    if start + SESSION_LENGTH <= local:
        start += timedelta(days=7)
    return start.astimezone(UTC)


def random_minutes(low: float, high: float, rng: random.Random) -> timedelta:
    """Return between LOW and HIGH minutes, drawn from RNG."""
    return timedelta(minutes=rng.uniform(low, high))


class Timeline:
    """Plan steps at given times, play them in order, and date what each step wrote."""

    def __init__(self):
        # Anything the verbs stamp from here on is "now" and gets its step's time instead.
        self.real_start = utcnow()
        self._new_audits: list[AuditRecord] = []
        self._steps: list = []

    def _note_audit(self, _session, obj) -> None:
        if isinstance(obj, AuditRecord):
            self._new_audits.append(obj)

    def _at(self, when: datetime, action, *args) -> None:
        """Plan ACTION(*args) at WHEN; steps at the same time keep the order they were planned."""
        self._steps.append((when, len(self._steps), action, args))

    def _play(self) -> None:
        steps, self._steps = sorted(self._steps, key=lambda s: s[:2]), []
        for when, _order, action, args in steps:
            touched = action(when, *args) or []
            self._settle(when, touched)

    def _settle(self, when: datetime, objects) -> None:
        """Give every time the last step stamped (it reads "now") the step's own time."""
        db.session.flush()
        for obj in objects:
            for attr in _event_time_columns(type(obj)):
                value = getattr(obj, attr)
                if value is not None and value >= self.real_start:
                    setattr(obj, attr, when)
        for record in self._new_audits:
            record.created_at = when
        self._new_audits.clear()
        # No flush here: the next step's flush writes these times along with its own work.

    def _date_last_updates(self) -> None:
        # Core UPDATEs (support counts) stamp updated_at with the real clock; use the
        # question's last event instead.
        db.session.flush()
        for question in db.session.scalars(select(Question)):
            latest = max(
                value
                for value in (getattr(question, name) for name in _QUESTION_STAMPS)
                if value is not None
            )
            db.session.execute(
                update(Question)
                .where(Question.id == question.id)
                .values(updated_at=latest)
                .execution_options(synchronize_session=False)
            )


_QUESTION_STAMPS = (
    "submitted_at",
    "approved_at",
    "routed_at",
    "on_air_at",
    "answered_at",
    "rejected_at",
    "merged_at",
    "closed_at",
)


def _event_time_columns(model) -> list[str]:
    # A session's planned start and end are not events; everything else stamped is.
    return [
        attr.key
        for attr in inspect(model).column_attrs
        if isinstance(attr.columns[0].type, UTCDateTime)
        and attr.key not in ("starts_at", "ends_at")
    ]
