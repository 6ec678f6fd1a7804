"""Question verbs, by who acts: each checks the verb table, flushes, audits, never commits.

`submission` and `support` (citizens and 137 operators), `triage` (moderators) and
`on_air` (officials) share `common`; this package gathers them so callers say
`questions.approve_question`.
"""

from liveqa.domain.questions.common import (
    UNCHANGED,
    check_version,
    city_today,
    find_question_by_code,
    find_tracked_question,
    follow_up_due_default,
)
from liveqa.domain.questions.on_air import (
    answer_question,
    put_back_question,
    take_on_air,
    transfer_question,
)
from liveqa.domain.questions.submission import (
    submission_from,
    submit_from,
    submit_question,
)
from liveqa.domain.questions.support import Supported, address_hash, support_question
from liveqa.domain.questions.triage import (
    approve_question,
    classify_question,
    edit_question,
    merge_question,
    reject_question,
    reorder_queue,
    route_question,
)

__all__ = [
    "UNCHANGED",
    "Supported",
    "address_hash",
    "answer_question",
    "approve_question",
    "check_version",
    "city_today",
    "classify_question",
    "edit_question",
    "find_question_by_code",
    "find_tracked_question",
    "follow_up_due_default",
    "merge_question",
    "put_back_question",
    "reject_question",
    "reorder_queue",
    "route_question",
    "submission_from",
    "submit_from",
    "submit_question",
    "support_question",
    "take_on_air",
    "transfer_question",
]
