"""Rules live below the edges: API, pages and socket call the domain's guarded verbs."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "liveqa"
EDGES = sorted(
    [*(PACKAGE / "api").rglob("*.py"), *(PACKAGE / "pages").rglob("*.py"), PACKAGE / "realtime.py"]
)
LIFECYCLE = PACKAGE / "domain" / "lifecycle.py"
PY_FILES = sorted(p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts)
TEMPLATES = sorted((ROOT / "templates").rglob("*.html"))

# Each has a guarded verb the edges call instead: find_tracked_question (guess limiting),
# log_in (log-in throttling), submit_from (the rate limit and the submission sequence).
UNGUARDED = {
    "check_failures": "find_tracked_question",
    "count_failure": "find_tracked_question",
    "find_question_by_code": "find_tracked_question",
    "start_login": "log_in",
    "login_succeeded": "log_in",
    "authenticate": "log_in",
    "start_account_attempt": "log_in",
    "give_back_attempt": "log_in",
    "clear_account": "log_in",
    "check_submit_rate": "submit_from",
    "submit_question": "submit_from",
}
LIMITER_MODULES = ("liveqa.domain.limits", "liveqa.domain.login_delay", "liveqa.ratelimit")


def _rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def _called_name(call: ast.Call) -> str | None:
    func = call.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)


def _unguarded_uses(tree: ast.AST) -> list[str]:
    """Return 'line: name' for every call or import of an unguarded rule in TREE."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _called_name(node) in UNGUARDED:
            found.append(f"{node.lineno}: calls {_called_name(node)}")
        elif isinstance(node, ast.ImportFrom):
            if node.module in LIMITER_MODULES:
                found.append(f"{node.lineno}: imports {node.module}")
            found += [
                f"{node.lineno}: imports {alias.name}"
                for alias in node.names
                if alias.name in UNGUARDED
            ]
        elif isinstance(node, ast.Import):
            found += [
                f"{node.lineno}: imports {alias.name}"
                for alias in node.names
                if alias.name in LIMITER_MODULES
            ]
    return found


def test_the_edges_are_all_found():
    names = {_rel(p) for p in EDGES}
    assert {"liveqa/api/public.py", "liveqa/pages/public.py", "liveqa/realtime.py"} <= names


@pytest.mark.parametrize("path", EDGES, ids=_rel)
def test_edges_call_the_guarded_verbs_only(path):
    uses = _unguarded_uses(ast.parse(path.read_text(encoding="utf-8")))
    assert not uses, f"{_rel(path)} goes round a guarded verb ({UNGUARDED}): {uses}"


def test_the_check_finds_a_hand_assembled_rule():
    sample = (
        "from liveqa.domain.limits import check_failures\n"
        "check_failures('lookup', addr)\n"
        "verbs.submit_question(live, **fields)\n"
    )
    assert sorted(_unguarded_uses(ast.parse(sample))) == [
        "1: imports check_failures",
        "1: imports liveqa.domain.limits",
        "2: calls check_failures",
        "3: calls submit_question",
    ]


def _statuses(node: ast.AST) -> list[str]:
    """Return the session statuses (SessionStatus.X or SS.X) NODE names, in order."""
    return [
        n.attr
        for n in ast.walk(node)
        if isinstance(n, ast.Attribute)
        and isinstance(n.value, ast.Name)
        and n.value.id in ("SessionStatus", "SS")
    ]


def _accepting_rules(tree: ast.AST) -> list[int]:
    """Return the lines where TREE decides by hand whether a session takes questions."""
    # Which session is current (live first, then open) loops over both: another rule.
    loops = {id(node.iter) for node in ast.walk(tree) if isinstance(node, ast.For)}
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Tuple | ast.List | ast.Set) and id(node) not in loops:
            # Each element one status, together exactly open and live.
            names = [_statuses(e) for e in node.elts]
            if all(len(n) == 1 for n in names) and sorted(n[0] for n in names) == ["LIVE", "OPEN"]:
                found.add(node.lineno)
        elif isinstance(node, ast.BoolOp) and sorted(_statuses(node)) == ["LIVE", "OPEN"]:
            found.add(node.lineno)
    return sorted(found)


@pytest.mark.parametrize("path", PY_FILES, ids=_rel)
def test_only_the_lifecycle_says_which_sessions_take_questions(path):
    if path == LIFECYCLE:
        return
    lines = _accepting_rules(ast.parse(path.read_text(encoding="utf-8")))
    assert not lines, f"{_rel(path)}:{lines} should ask accepts_questions()"


def test_the_accepting_check_finds_a_hand_written_rule():
    for sample in (
        "ok = s.status in (SessionStatus.OPEN, SessionStatus.LIVE)",
        "ACCEPTING = (SS.LIVE, SS.OPEN)",
        "ok = s.status == SS.OPEN or s.status == SS.LIVE",
        "if s.status not in {SS.OPEN, SS.LIVE}: pass",
    ):
        assert _accepting_rules(ast.parse(sample)) == [1], sample
    assert _accepting_rules(ast.parse("for s in (SS.LIVE, SS.OPEN):\n    pass")) == []
    assert _accepting_rules(ast.parse("LABELS = {SS.OPEN: 'o', SS.LIVE: 'l'}")) == []


ACCEPTING_IN_TEMPLATE = re.compile(
    r"""status(?:\.value)?\s+(?:not\s+)?in\s*[(\[]\s*['"](?:open|live)['"]\s*,\s*['"](?:open|live)['"]"""
)


@pytest.mark.parametrize("path", TEMPLATES, ids=_rel)
def test_templates_are_told_whether_a_session_takes_questions(path):
    assert not ACCEPTING_IN_TEMPLATE.search(path.read_text(encoding="utf-8")), _rel(path)


def test_the_template_check_finds_a_hand_written_rule():
    assert ACCEPTING_IN_TEMPLATE.search("{% if s.status.value in ('open', 'live') %}")
    assert not ACCEPTING_IN_TEMPLATE.search("{% if s.status == 'live' %}")
