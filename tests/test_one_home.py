"""One home for every rule: roles only in the permissions module, labels only in labels.py."""

import ast
import re
from pathlib import Path

import pytest

from liveqa.domain import labels
from liveqa.models import Role

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "liveqa"
PERMISSIONS = PACKAGE / "domain" / "permissions.py"
LABELS = PACKAGE / "domain" / "labels.py"
# Where a role may be named: the rules, the enum itself, and the demo city's accounts (data).
ROLE_HOMES = {PERMISSIONS, PACKAGE / "models" / "enums.py"}
ROLE_DATA = ("demo/data.py",)
ROLE_VALUES = {role.value for role in Role}
PY_FILES = sorted(p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts)
JS_FILES = sorted((ROOT / "static" / "js").rglob("*.js"))
TEMPLATES = sorted((ROOT / "templates").rglob("*.html"))


def _rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def _role_literals(tree: ast.AST) -> list[int]:
    """Return the lines where TREE names a role: Role.X, Role("x"), or `.role` == "x"."""
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "Role"
            and node.attr.isupper()
        ) or (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", None) == "Role"
            and any(isinstance(arg, ast.Constant) for arg in node.args)
        ):
            found.append(node.lineno)
        elif isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            names_role = any(
                isinstance(s, ast.Attribute) and s.attr == "role" for s in sides
            ) or any(isinstance(s, ast.Name) and s.id == "role" for s in sides)
            strings = [
                c.value
                for s in sides
                for c in ast.walk(s)
                if isinstance(c, ast.Constant) and c.value in ROLE_VALUES
            ]
            if names_role and strings:
                found.append(node.lineno)
    return found


@pytest.mark.parametrize("path", PY_FILES, ids=_rel)
def test_no_role_literal_outside_the_permissions_module(path):
    if path in ROLE_HOMES or _rel(path).endswith(ROLE_DATA):
        return
    tree = ast.parse(path.read_text("utf-8"), str(path))
    assert _role_literals(tree) == [], f"{_rel(path)} names a role; ask domain/permissions.py"


def test_the_role_check_finds_role_literals():
    samples = [
        "x = Role.ADMIN",
        "ok = user.role == 'moderator'",
        "ok = role in ('admin', 'operator')",
        "r = Role('official')",
    ]
    for sample in samples:
        assert _role_literals(ast.parse(sample)), sample
    assert _role_literals(ast.parse("choices = [r.value for r in Role]")) == []
    assert _role_literals(ast.parse("role = Role(given)")) == []


_ROLE_WORDS = "|".join(sorted(ROLE_VALUES))
ROLE_IN_JS = re.compile(
    rf"""\brole\s*[!=]==?\s*["'](?:{_ROLE_WORDS})["']"""
    rf"""|["'](?:{_ROLE_WORDS})["']\s*[!=]==?\s*[\w.]*\brole\b"""
)


@pytest.mark.parametrize("path", JS_FILES + TEMPLATES, ids=_rel)
def test_scripts_and_templates_ask_served_permissions_not_roles(path):
    text = path.read_text("utf-8")
    assert not ROLE_IN_JS.search(text), f"{_rel(path)} compares a role"
    assert "current_user.role" not in text


def _msgids(tree: ast.AST) -> set[str]:
    return {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", None) in {"_", "_l", "gettext", "lazy_gettext"}
        and node.args
        and isinstance(node.args[0], ast.Constant)
    }


def _label_msgids() -> set[str]:
    return {name._args[0] for names in labels.KINDS.values() for name in names.values()}


def test_labels_cover_every_member_of_their_enum():
    for kind, names in labels.KINDS.items():
        enum_type = type(next(iter(names)))
        assert set(names) == set(enum_type), kind


@pytest.mark.parametrize("path", [p for p in PY_FILES if p != LABELS], ids=_rel)
def test_states_and_choices_are_named_only_in_labels(path):
    tree = ast.parse(path.read_text("utf-8"), str(path))
    assert not _msgids(tree) & _label_msgids(), f"{_rel(path)} names a state; use labels"


# The connection pill's "Live" shares its English word with a session status; issue 11
# rewords it ("connected" is not "on air").
TEMPLATE_EXCEPTIONS = {("templates/base.html", "Live")}
TEMPLATE_MSGID = re.compile(r"""\b_\(\s*(["'])(.*?)\1\s*[,)]""")


@pytest.mark.parametrize("path", TEMPLATES, ids=_rel)
def test_templates_name_states_through_labels(path):
    named = {m.group(2) for m in TEMPLATE_MSGID.finditer(path.read_text("utf-8"))}
    clashes = {
        msgid for msgid in named & _label_msgids() if (_rel(path), msgid) not in TEMPLATE_EXCEPTIONS
    }
    assert not clashes, f"{_rel(path)} names {clashes}; use label(kind, value)"


def test_buttons_come_from_served_actions_not_statuses():
    text = (ROOT / "static" / "js" / "lib" / "access.js").read_text("utf-8")
    assert "q.actions" in text
    assert ".status" not in text, "lib/access.js decides buttons from a status"
    for path in JS_FILES:
        if path.name != "access.js":
            assert ".actions[" not in path.read_text("utf-8"), f"{_rel(path)} reads actions"
