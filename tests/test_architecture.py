"""The layering rules of docs/architecture.md, checked on the source with `ast`."""

import ast
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "liveqa"
EDGES = ("liveqa.api", "liveqa.pages", "liveqa.realtime", "liveqa.cli")
# What the domain sits below: it must never reach up into these.
ABOVE_DOMAIN = (
    "liveqa.serializers",
    "liveqa.auth",
    "liveqa.broadcast",
    "liveqa.errors",
    "liveqa.i18n",
    *EDGES,
)
REQUEST_NAMES = {"request", "session", "g", "has_request_context"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def modules() -> dict[str, tuple[Path, ast.Module]]:
    """Return every module under liveqa/ (and config.py) by dotted name, parsed."""
    found = {}
    for path in sorted([*PACKAGE.rglob("*.py"), ROOT / "config.py"]):
        found[_module_name(path)] = (path, ast.parse(path.read_text("utf-8"), str(path)))
    return found


def _package_of(name: str, path: Path) -> str:
    return name if path.name == "__init__.py" else name.rpartition(".")[0]


@cache
def imports(name: str) -> frozenset[str]:
    """Return every dotted name module NAME imports."""
    return imports_in(name, *modules()[name])


def imports_in(name: str, path: Path, tree: ast.Module) -> frozenset[str]:
    """Return the dotted names TREE imports, `from X import y` as both X and X.y."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = _package_of(name, path).split(".")
                anchor = ".".join(package[: len(package) - node.level + 1])
                base = f"{anchor}.{base}" if base else anchor
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return frozenset(found)


def _within(imported: str, prefix: str) -> bool:
    return imported == prefix or imported.startswith(prefix + ".")


def _edge_of(name: str) -> str | None:
    return next((edge for edge in EDGES if _within(name, edge)), None)


def _names(prefix: str) -> list[str]:
    return [n for n in modules() if _within(n, prefix)]


def test_the_scan_sees_the_package():
    names = modules()
    for expected in ("config", "liveqa.models", "liveqa.domain.questions", "liveqa.api"):
        assert expected in names
    assert "liveqa.extensions" in imports("liveqa.models")


def test_relative_imports_are_resolved():
    tree = ast.parse("from . import sibling\nfrom ..models import Question\n")
    found = imports_in("liveqa.api.probe", PACKAGE / "api" / "probe.py", tree)
    assert {"liveqa.api.sibling", "liveqa.models.Question"} <= found
    found = imports_in("liveqa.api", PACKAGE / "api" / "__init__.py", tree)
    assert {"liveqa.api.sibling", "liveqa.models.Question"} <= found


EDGE_MODULES = [n for n in modules() if _edge_of(n)]


@pytest.mark.parametrize("name", EDGE_MODULES)
def test_edges_never_import_each_other(name):
    own = _edge_of(name)
    crossing = sorted(i for i in imports(name) if (edge := _edge_of(i)) is not None and edge != own)
    assert crossing == [], f"{name} imports another edge"


@pytest.mark.parametrize("name", _names("liveqa.domain"))
def test_domain_stays_below_the_web_layer(name):
    reaching_up = sorted(
        i for i in imports(name) if any(_within(i, up) for up in ABOVE_DOMAIN) or i == "liveqa"
    )
    assert reaching_up == [], f"{name} imports from a layer above the domain"
    web = sorted(
        i
        for i in imports(name)
        if _within(i, "flask_login")
        or _within(i, "flask_socketio")
        or _within(i, "werkzeug")
        or (i.startswith("flask.") and i.split(".")[1] in REQUEST_NAMES)
    )
    assert web == [], f"{name} uses request-bound objects"


@pytest.mark.parametrize("name", _names("liveqa.domain"))
def test_domain_never_commits_or_emits(name):
    _, tree = modules()[name]
    calls = sorted(
        f"{node.func.attr}() at line {node.lineno}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in {"commit", "emit"}
    )
    assert calls == [], f"{name} commits or emits; views and broadcast.py do that"


def test_models_import_nothing_above_them():
    ours = sorted(i for i in imports("liveqa.models") if _within(i, "liveqa"))
    assert all(_within(i, "liveqa.extensions") for i in ours), ours


def _os_aliases(tree) -> set[str]:
    aliases = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            aliases.update(a.asname or a.name for a in node.names if a.name == "os")
    return aliases


@pytest.mark.parametrize("name", [n for n in modules() if n != "config"])
def test_only_config_reads_the_environment(name):
    _, tree = modules()[name]
    aliases = _os_aliases(tree)
    reads = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in {"environ", "getenv", "environb", "putenv"}
            and isinstance(node.value, ast.Name)
            and node.value.id in aliases
        ):
            reads.append(f"os.{node.attr} at line {node.lineno}")
        if isinstance(node, ast.ImportFrom) and node.module == "os":
            reads += [f"from os import {a.name}" for a in node.names if "env" in a.name]
    assert reads == [], f"{name} reads the environment; only config.py may"


def test_the_environment_check_can_see_a_read():
    tree = ast.parse("import os as o\nx = o.environ.get('A')\n")
    assert _os_aliases(tree) == {"o"}


@cache
def model_names() -> frozenset[str]:
    _, tree = modules()["liveqa.models"]
    return frozenset(node.name for node in tree.body if isinstance(node, ast.ClassDef))


def _legacy_queries(tree) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Attribute) and node.attr == "query"):
            continue
        owner = node.value
        on_model = isinstance(owner, ast.Name) and owner.id in model_names()
        on_session = isinstance(owner, ast.Attribute) and owner.attr == "session"
        if on_model or on_session:
            found.append(f"{ast.unparse(node)} at line {node.lineno}")
    return found


@pytest.mark.parametrize("name", list(modules()))
def test_no_legacy_query_api(name):
    _, tree = modules()[name]
    assert _legacy_queries(tree) == [], f"{name} uses Model.query or session.query"


def test_the_query_check_can_see_a_legacy_query():
    assert {"Question", "LiveSession", "User"} <= model_names()
    tree = ast.parse("Question.query.get(1)\ndb.session.query(User).all()\nurl.query\n")
    assert len(_legacy_queries(tree)) == 2


@pytest.mark.parametrize("name", [n for n in modules() if n != "liveqa.server"])
def test_only_the_server_entry_point_imports_eventlet(name):
    green = sorted(i for i in imports(name) if _within(i, "eventlet") or _within(i, "psycogreen"))
    assert green == [], f"{name} imports eventlet or psycogreen"


def test_the_edge_check_can_see_a_crossing():
    assert _edge_of("liveqa.pages.staff") == "liveqa.pages"
    assert _edge_of("liveqa.realtime") == "liveqa.realtime"
    assert _edge_of("liveqa.apiary") is None
    tree = ast.parse("from liveqa.pages import staff\n")
    found = imports_in("liveqa.api.probe", PACKAGE / "api" / "probe.py", tree)
    assert {_edge_of(i) for i in found} == {"liveqa.pages"}
