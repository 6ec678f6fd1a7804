"""Who may do what: the verb table and every `can_*` predicate; the one home of role names.

`lifecycle.TRANSITIONS` says which moves a question may make; `VERBS` here says, for every
verb, the statuses it may start from, the status it leads to and the roles that may perform
it. Domain verbs check themselves through `check_start` and `ensure_may`; API decorators, page
views, socket room joins, templates and the `actions` in staff JSON ask the predicates below.
"""

from dataclasses import dataclass
from enum import StrEnum

from flask_babel import lazy_gettext as _l

from liveqa.domain.errors import Conflict, Forbidden
from liveqa.domain.lifecycle import OPEN_STATUSES, SESSION_TRANSITIONS, SESSION_VERBS, refusal
from liveqa.models import LiveSession, Question, QuestionStatus, Role, SessionStatus, User

S = QuestionStatus

# Role groups. Nothing outside this module names a role.
STAFF = frozenset(Role)
TRIAGE = frozenset({Role.ADMIN, Role.MODERATOR})
DESK = TRIAGE | {Role.OPERATOR}
ON_AIR = TRIAGE | {Role.OFFICIAL}
SESSION_RUNNERS = TRIAGE
# The role of an official's own account (create-user and the demo seed make them).
OFFICIAL_ACCOUNT = Role.OFFICIAL


class Verb(StrEnum):
    """Everything that can be done to one question."""

    APPROVE = "approve"
    REJECT = "reject"
    EDIT = "edit"
    CLASSIFY = "classify"
    MERGE = "merge"
    ROUTE = "route"
    REORDER = "reorder"
    TRANSFER = "transfer"
    PUT_BACK = "put_back"
    ON_AIR = "on_air"
    ANSWER = "answer"
    SUPPORT = "support"


@dataclass(frozen=True)
class VerbRule:
    """One row of the verb table."""

    starts: frozenset[QuestionStatus]
    leads_to: QuestionStatus | None
    roles: frozenset[Role]
    # An official may perform it only on questions routed to them.
    own_only: bool = False
    # For verbs that keep the status: (message, code) of the 409 from any other status.
    refused: tuple | None = None

    def __post_init__(self):
        # check_start words a refusal from the status a verb leads to, or from `refused`.
        if self.leads_to is None and self.refused is None:
            raise ValueError("a verb that keeps the status needs its refusal")


_FINISHED_EDIT = (_l("A finished question cannot be edited."), "finished")
_FINISHED_CHANGE = (_l("A finished question cannot be changed."), "finished")
_NOT_SUPPORTABLE = (_l("This question can no longer be supported."), "not_supportable")
_NOT_ORDERABLE = (_l("Only open questions of this session can be ordered."), "invalid_order")
_OPEN = OPEN_STATUSES

VERBS: dict[Verb, VerbRule] = {
    # carried_over -> approved is a session receiving the question, not a verb.
    Verb.APPROVE: VerbRule(frozenset({S.SUBMITTED}), S.APPROVED, TRIAGE),
    Verb.REJECT: VerbRule(frozenset({S.SUBMITTED, S.APPROVED}), S.REJECTED, TRIAGE),
    Verb.EDIT: VerbRule(_OPEN, None, TRIAGE, refused=_FINISHED_EDIT),
    Verb.CLASSIFY: VerbRule(_OPEN, None, TRIAGE, refused=_FINISHED_CHANGE),
    Verb.MERGE: VerbRule(frozenset({S.SUBMITTED, S.APPROVED}), S.MERGED, TRIAGE),
    Verb.ROUTE: VerbRule(frozenset({S.APPROVED, S.ROUTED}), S.ROUTED, TRIAGE),
    Verb.REORDER: VerbRule(_OPEN, None, TRIAGE, refused=_NOT_ORDERABLE),
    Verb.TRANSFER: VerbRule(frozenset({S.ROUTED, S.ON_AIR}), S.ROUTED, ON_AIR, own_only=True),
    Verb.PUT_BACK: VerbRule(frozenset({S.ON_AIR}), S.ROUTED, ON_AIR, own_only=True),
    Verb.ON_AIR: VerbRule(frozenset({S.ROUTED}), S.ON_AIR, ON_AIR, own_only=True),
    Verb.ANSWER: VerbRule(frozenset({S.ON_AIR}), S.ANSWERED, ON_AIR, own_only=True),
    # Citizens are anonymous: no role, anyone may support a question on the board.
    Verb.SUPPORT: VerbRule(
        frozenset({S.APPROVED, S.ROUTED, S.ON_AIR}), None, frozenset(), refused=_NOT_SUPPORTABLE
    ),
}

# A question may be merged into one that is still open, or answered (its supporters follow).
MERGE_INTO = OPEN_STATUSES | {S.ANSWERED}


def check_start(question: Question, verb: Verb) -> None:
    """Raise the refusal for VERB unless QUESTION's status is one it may start from."""
    rule = VERBS[verb]
    if question.status in rule.starts:
        return
    if rule.refused is not None:
        message, code = rule.refused
        raise Conflict(message, code=code)
    raise refusal(question.status, rule.leads_to)


def _official_id(user: User) -> int | None:
    official = user.official if user.role == Role.OFFICIAL else None
    return official.id if official is not None else None


def _allowed(role: Role, official_id: int | None, verb: Verb, question: Question) -> bool:
    rule = VERBS[verb]
    if role not in rule.roles:
        return False
    if rule.own_only and role == Role.OFFICIAL:
        return official_id is not None and official_id == question.official_id
    return True


def may(user: User, verb: Verb, question: Question) -> bool:
    """Return whether USER's role lets them perform VERB on QUESTION (whatever its status)."""
    return _allowed(user.role, _official_id(user), verb, question)


def ensure_may(user: User, verb: Verb, question: Question) -> None:
    """Raise Forbidden unless USER may perform VERB on QUESTION."""
    if may(user, verb, question):
        return
    if VERBS[verb].own_only:
        raise Forbidden(_l("This question is routed to another official."), code="not_yours")
    raise Forbidden(_l("Your role may not do this."))


def can_perform(user: User, verb: Verb, question: Question) -> bool:
    """Return whether USER may perform VERB on QUESTION now (role and status)."""
    return question.status in VERBS[verb].starts and may(user, verb, question)


def _verbs_for(role: Role, official_id: int | None, question: Question) -> list[str]:
    return [
        verb.value
        for verb, rule in VERBS.items()
        if question.status in rule.starts and _allowed(role, official_id, verb, question)
    ]


def audience(user: User) -> str:
    """Return the key under which staff JSON lists what USER may do (see `question_actions`)."""
    official_id = _official_id(user)
    return f"official:{official_id}" if official_id is not None else user.role.value


def question_actions(question: Question) -> dict[str, list[str]]:
    """Return, for every staff audience, the verbs it may perform on QUESTION now.

    One payload serves every staff room: a desk user reads the list under its role, an
    official the list under `official:<id>` (present only for the question's own official).
    """
    actions = {
        role.value: _verbs_for(role, None, question) for role in STAFF if role != Role.OFFICIAL
    }
    if question.official_id is not None:
        own = _verbs_for(Role.OFFICIAL, question.official_id, question)
        actions[f"official:{question.official_id}"] = own
    return actions


def session_actions(live_session: LiveSession) -> dict[str, list[str]]:
    """Return, for every staff audience, the session verbs it may perform now."""
    moves = SESSION_TRANSITIONS[SessionStatus(live_session.status)]
    allowed = [verb for verb, target in SESSION_VERBS.items() if target in moves]
    return {role.value: allowed if role in SESSION_RUNNERS else [] for role in STAFF}


# --- Screens, API areas and rooms ---------------------------------------------------


def ensure_may_run_session(user: User | None) -> None:
    """Raise Forbidden unless USER may open, start and close sessions (None: the system)."""
    if user is not None and user.role not in SESSION_RUNNERS:
        raise Forbidden(_l("Your role may not do this."))


def is_staff(user) -> bool:
    """Return whether USER is a logged-in, active staff member."""
    return bool(getattr(user, "is_authenticated", False)) and user.role in STAFF


def can_read_queue(user) -> bool:
    """Return whether USER may read a session's staff queue."""
    return is_staff(user)


def can_use_desk(user) -> bool:
    """Return whether USER may open the moderator desk and follow its room."""
    return is_staff(user) and user.role in DESK


def can_triage(user) -> bool:
    """Return whether USER may approve, reject, edit, classify, merge, route and reorder."""
    return is_staff(user) and user.role in TRIAGE


def can_enter_questions(user) -> bool:
    """Return whether USER may type in questions phoned in to 137."""
    return can_use_desk(user)


def is_operator(user) -> bool:
    """Return whether USER's desk is the 137 entry form rather than triage."""
    return is_staff(user) and user.role == Role.OPERATOR


def can_use_panel(user) -> bool:
    """Return whether USER may open the official panel."""
    return is_staff(user) and user.role in ON_AIR


def can_answer(user) -> bool:
    """Return whether USER's role may take questions on air and answer them."""
    return can_use_panel(user)


def is_official(user) -> bool:
    """Return whether USER answers as an official (the panel shows only their questions)."""
    return is_staff(user) and user.role == Role.OFFICIAL


def can_run_session(user) -> bool:
    """Return whether USER may open, start and close sessions."""
    return is_staff(user) and user.role in SESSION_RUNNERS


def can_follow_official(user, official_id: int | None) -> bool:
    """Return whether USER may follow OFFICIAL_ID's panel room (None: their own)."""
    if is_official(user):
        return official_id is None or official_id == _official_id(user)
    return can_triage(user)


def needs_official_profile(role) -> bool:
    """Return whether an account of ROLE answers as an official (and needs a profile)."""
    return Role(role) == OFFICIAL_ACCOUNT


def home_page(user) -> str:
    """Return the path of the screen USER works on after logging in."""
    return "/panel" if is_official(user) else "/moderate"


def page_user(user) -> dict:
    """Return who USER is, as a staff page's scripts know them."""
    official = getattr(user, "official", None)
    return {
        "id": user.id,
        "display_name": user.display_name,
        "role": user.role.value,
        "official_id": official.id if official is not None else None,
    }


def page_access(user) -> dict:
    """Return what a staff page's scripts may draw for USER: whose lists, which screens."""
    return {
        "audience": audience(user),
        "is_official": is_official(user),
        "can_triage": can_triage(user),
    }


# --- Second factor -------------------------------------------------------------------


def roles_named(names) -> frozenset[Role]:
    """Return the roles NAMES (configuration strings) list; raise ValueError on an unknown one."""
    known = {role.value: role for role in STAFF}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise ValueError(f"unknown role(s) {', '.join(map(repr, unknown))}; known: {sorted(known)}")
    return frozenset(known[name] for name in names)


def must_use_second_factor(user, required_roles: frozenset[Role]) -> bool:
    """Return whether USER's role is one that REQUIRED_ROLES makes use a second factor."""
    return is_staff(user) and user.role in required_roles
