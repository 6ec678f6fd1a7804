"""The rules of docs/architecture.md: the import contracts, and on the source with `ast`
what import-linter cannot say (environment reads, eventlet, commits, legacy queries)."""

import ast
import subprocess
import sys
import tomllib
from functools import cache
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "liveqa"
PYPROJECT = ROOT / "pyproject.toml"
REQUEST_NAMES = {"request", "session", "g", "has_request_context"}
# `make lint` runs the same contracts through the lint-imports command.
LINT_IMPORTS = (
    "import sys; from importlinter.cli import lint_imports; "
    "sys.exit(lint_imports(no_cache=True, no_logo=True))"
)


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


def _names(prefix: str) -> list[str]:
    return [n for n in modules() if _within(n, prefix)]


def test_the_scan_sees_the_package():
    names = modules()
    for expected in ("config", "liveqa.models", "liveqa.domain.questions", "liveqa.api"):
        assert expected in names
    assert "liveqa.extensions" in imports("liveqa.models.questions")


def test_relative_imports_are_resolved():
    tree = ast.parse("from . import sibling\nfrom ..models import Question\n")
    found = imports_in("liveqa.api.probe", PACKAGE / "api" / "probe.py", tree)
    assert {"liveqa.api.sibling", "liveqa.models.Question"} <= found
    found = imports_in("liveqa.api", PACKAGE / "api" / "__init__.py", tree)
    assert {"liveqa.api.sibling", "liveqa.models.Question"} <= found


@pytest.mark.parametrize("name", _names("liveqa.domain"))
def test_domain_uses_no_request_bound_objects(name):
    # Its login, socket and WSGI imports are the import contract "domain-web".
    web = sorted(
        i for i in imports(name) if i.startswith("flask.") and i.split(".")[1] in REQUEST_NAMES
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
    return frozenset(
        node.name
        for name in _names("liveqa.models")
        for node in modules()[name][1].body
        if isinstance(node, ast.ClassDef)
    )


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


# The server entry point: server.py (eventlet) and the gevent module it serves through.
ENTRY_POINT = ("liveqa.server", "liveqa.serve_gevent")
GREEN = ("eventlet", "gevent", "psycogreen")


@pytest.mark.parametrize("name", [n for n in modules() if n not in ENTRY_POINT])
def test_only_the_server_entry_point_imports_eventlet(name):
    green = sorted(i for i in imports(name) if any(_within(i, lib) for lib in GREEN))
    assert green == [], f"{name} imports eventlet, gevent or psycogreen"


def test_config_imports_nothing_of_the_package():
    # config.py is a single module beside the package, so import-linter cannot see it.
    ours = sorted(i for i in imports("config") if _within(i, "liveqa"))
    assert ours == [], "config.py sits below everything; it imports nothing of liveqa"


# Import contracts ----------------------------------------------------------------------


def test_the_import_contracts_hold():
    # In a child process: import-linter reconfigures logging for the whole process.
    run = subprocess.run(
        [sys.executable, "-c", LINT_IMPORTS], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stdout + run.stderr


@cache
def import_linter_contracts() -> dict[str, dict]:
    config = tomllib.loads(PYPROJECT.read_text("utf-8"))["tool"]["importlinter"]
    return {contract["id"]: contract for contract in config["contracts"]}


def test_every_module_of_the_package_sits_in_a_layer():
    # A module in no layer would escape the layering unseen.
    layers = import_linter_contracts()["layers"]["layers"]
    placed = {name.strip() for layer in layers for name in layer.replace("|", ":").split(":")}
    top_level = {
        path.stem if path.suffix else path.name
        for path in PACKAGE.iterdir()
        if (path.suffix == ".py" and path.stem != "__init__") or (path / "__init__.py").exists()
    }
    assert sorted(top_level - placed) == []


def import_cycles(graph) -> list[tuple[str, ...]]:
    """Return, for each import that closes a cycle, the modules around it."""
    found = []
    for importer in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            back = graph.find_shortest_chain(importer=imported, imported=importer)
            if back:
                found.append((importer, *back))
    return found


def test_no_import_cycle_anywhere():
    # The contract "acyclic" sees siblings; this also sees a package and its own modules.
    assert import_cycles(grimp.build_graph("liveqa")) == []


def test_the_cycle_check_can_see_a_cycle():
    graph = grimp.ImportGraph()
    graph.add_import(importer="pkg", imported="pkg.routes")
    graph.add_import(importer="pkg.routes", imported="pkg")
    graph.add_import(importer="pkg.routes", imported="pkg.models")
    assert import_cycles(graph) == [
        ("pkg", "pkg.routes", "pkg"),
        ("pkg.routes", "pkg", "pkg.routes"),
    ]
