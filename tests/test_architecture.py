"""House rules that keep the shape of the code: the core never imports the edges; the public
API is declared, sorted and complete; every module has the one exception tree."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import ceasefire

SRC = Path(ceasefire.__file__).parent
CORE = [
    "agreements",
    "zones",
    "events",
    "compliance",
    "errors",
    "patrols",
    "field_reports",
    "held",
    "situation",
    "weapons",
    "vocab",
    "humanitarian",
]
EDGES = {
    "store",
    "web",
    "cli",
    "monitoring",
    "exports",
    "situation_report",
    "situation_reports",
    "cluster",
}


def _modules(name: str) -> list[Path]:
    base = SRC / name
    if base.is_dir():
        return sorted(base.rglob("*.py"))
    file = SRC / f"{name}.py"
    return [file] if file.exists() else []


def _package(path: Path) -> str:
    return ".".join(path.relative_to(SRC.parent).with_suffix("").parts[:-1])


def _names(node: ast.Import | ast.ImportFrom, package: str) -> set[str]:
    """The modules (and module.name) an import statement in ``package`` names, made absolute."""
    if isinstance(node, ast.Import):
        return {a.name for a in node.names}
    parts = package.split(".")
    base = parts[: len(parts) - node.level + 1] if node.level else []
    mod = ".".join([*base, node.module] if node.module else base)
    return {mod, *(f"{mod}.{a.name}" for a in node.names)}


def _imported(path: Path) -> set[str]:
    package = _package(path)
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            out |= _names(node, package)
    return out


def test_core_never_imports_the_edges():
    offenders = []
    for name in CORE:
        for path in _modules(name):
            for mod in _imported(path):
                parts = mod.split(".")
                if parts[0] == "ceasefire" and len(parts) > 1 and parts[1] in EDGES:
                    offenders.append(f"{path.relative_to(SRC)} imports {mod}")
    assert not offenders, offenders


def test_the_checker_sees_relative_imports():
    # guard against a checker that passes because it sees nothing
    assert "ceasefire.zones" in _imported(SRC / "compliance" / "engine.py") or any(
        m.startswith("ceasefire.zones") for m in _imported(SRC / "compliance" / "engine.py")
    )


def _isort_key(name: str) -> tuple[int, list[Any]]:
    # ruff's RUF022 order: CONSTANTS, then Classes, then functions; numbers in names in
    # natural order (add_v9_... before add_v10_...)
    kind = 0 if name.isupper() else 1 if name[0].isupper() else 2
    return (kind, [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", name)])


def test_public_api_sorted_and_complete():
    names = ceasefire.__all__
    assert names == sorted(names, key=_isort_key)
    for n in names:
        assert getattr(ceasefire, n) is not None, n
    declared = {
        n
        for n in vars(ceasefire)
        if not n.startswith("_")
        and not isinstance(getattr(ceasefire, n), type(ceasefire))
        and n not in ("annotations", "TYPE_CHECKING", "Any")
    }
    assert declared <= set(names), declared - set(names)


def test_every_module_declares_all_and_imports():
    for info in pkgutil.walk_packages(ceasefire.__path__, "ceasefire."):
        if info.name.endswith("__main__"):
            continue
        mod = importlib.import_module(info.name)
        public = getattr(mod, "__all__", None)
        assert public is None or public == sorted(public, key=_isort_key), info.name
        for name in public or []:
            assert hasattr(mod, name), f"{info.name}.__all__ names missing {name}"


# --- the spatial package: one inward interface, no private reach, no cycles ------------------

SPATIAL = "ceasefire.compliance.spatial"


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _private_imports(source: str) -> list[str]:
    """Names of ``from M import _name`` where M is a ceasefire module (an alias to a private name,
    such as ``from . import reasons as _reasons``, is fine: the imported name is public)."""
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and (
            node.level or (node.module or "").startswith("ceasefire")
        ):
            out += [a.name for a in node.names if a.name.startswith("_")]
    return out


def test_the_spatial_code_imports_no_private_names():
    # STYLE: "a module that imports another module's _private names belongs with it, or the
    # other module owes it a public function". The compliance package (the spatial subpackage
    # in it) and the distance model.
    paths = [*_modules("compliance"), SRC / "zones" / "distance.py"]
    offenders = [
        f"{p.relative_to(SRC)}: {n}" for p in paths for n in _private_imports(p.read_text("utf-8"))
    ]
    assert not offenders, offenders


def test_no_module_imports_private_names_of_another():
    # the same rule for every module of the package: where a sibling needs a name, it is public
    # in the module that defines it (zones/model.py's transformer for zones/files.py and the
    # patrols; speakers' pronoun resolution for quotes and claims; the cli package's
    # opened_store, emit and frame_table for its command modules), or the code that needs it
    # moved in beside it (news/terms.py holds its provision rules)
    paths = sorted(SRC.rglob("*.py"))
    seen = {p.relative_to(SRC).as_posix() for p in paths}
    assert {"cli/alerts.py", "news/dates.py", "zones/files.py", "compliance/engine.py"} <= seen
    offenders = [
        f"{p.relative_to(SRC)}: {n}" for p in paths for n in _private_imports(p.read_text("utf-8"))
    ]
    assert not offenders, offenders


def test_the_private_name_checker_sees_them() -> None:
    src = "from .frame import _X\nfrom ceasefire.zones import _y as z\nfrom . import a as _a\n"
    assert _private_imports(src + "from numpy import _private\n") == ["_X", "_y"]


def test_only_the_spatial_interface_is_imported_from_outside():
    offenders = []
    roots = [SRC, SRC.parent.parent / "tests", SRC.parent.parent / "bench"]
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            inside = root == SRC and _module_name(path).startswith(SPATIAL)
            if inside:
                continue
            mods = _imported(path) if root == SRC else _absolute_imports(path)
            offenders += [f"{path.name} imports {m}" for m in mods if _reaches_in(m)]
    assert not offenders, offenders


def _absolute_imports(path: Path) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names)
    return out


def _reaches_in(mod: str) -> bool:
    """An import of a spatial submodule, or of a private name of the package."""
    if not mod.startswith(SPATIAL + "."):
        return False
    rest = mod[len(SPATIAL) + 1 :].split(".")
    public = importlib.import_module(SPATIAL).__all__
    return len(rest) > 1 or rest[0] not in public


def test_spatial_interface_is_declared():
    spatial = importlib.import_module(SPATIAL)
    assert "disc_shares" in spatial.__all__ and "reference_shares" in spatial.__all__
    for path in _modules("compliance/spatial"):
        mod = importlib.import_module(_module_name(path))
        assert getattr(mod, "__all__", None) is not None, f"{path.name} has no __all__"


def test_no_import_cycles_in_compliance():
    paths = _modules("compliance")
    graph = _import_graph(paths, _imported)
    # a package's __init__ importing its own modules is not a cycle; a module importing its
    # package (the __init__) would be
    cycle = _cycle(graph)
    assert cycle is None, f"import cycle: {' -> '.join(cycle or [])}"
    assert f"{SPATIAL}.index" in graph and graph[f"{SPATIAL}.shares"]  # it sees the package


# --- no import cycles in the news and cli packages either ----------------------------------


def _imported_at_import_time(path: Path) -> set[str]:
    """The ceasefire modules ``path`` imports when it is imported: its top-level imports (in
    ``if`` and ``try`` blocks too), not those under ``if TYPE_CHECKING:`` nor in functions."""
    package = _package(path)
    out: set[str] = set()

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.If):
                if "TYPE_CHECKING" not in ast.unparse(node.test):
                    visit(node.body)
                visit(node.orelse)
            elif isinstance(node, ast.Try):
                for part in (node.body, *(h.body for h in node.handlers), node.orelse):
                    visit(part)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                out.update(_names(node, package))

    visit(ast.parse(path.read_text(encoding="utf-8")).body)
    return out


def _import_graph(paths: list[Path], imported: Callable[[Path], set[str]]) -> dict[str, set[str]]:
    """Module -> the modules among ``paths`` it imports (``imported``: which imports count); a
    module importing its own package (the __init__) does not count."""
    names = {_module_name(p): p for p in paths}
    return {
        n: {m for m in imported(p) if m in names and m != n and not n.startswith(m + ".")}
        for n, p in names.items()
    }


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` (a list of nodes, first and last the same), or None."""
    done: set[str] = set()
    stack: list[str] = []

    def visit(n: str) -> list[str] | None:
        if n in stack:
            return [*stack[stack.index(n) :], n]
        if n in done:
            return None
        stack.append(n)
        for m in sorted(graph[n]):
            found = visit(m)
            if found:
                return found
        stack.pop()
        done.add(n)
        return None

    for n in sorted(graph):
        found = visit(n)
        if found:
            return found
    return None


@pytest.mark.parametrize("package", ["news", "cli"])
def test_no_import_cycles_at_import_time(package: str) -> None:
    # as for compliance, a module importing its own package is not counted (the cli's command
    # modules import the group from cli/__init__.py, which imports them last to register them).
    # Imports under TYPE_CHECKING and inside functions are not counted either; two circles are
    # broken so: news/event_frame.py names events.NewsEvent for typing only, and news/claims.py
    # imports quotes.extract_quotes (quotes re-exports claims) in the function that calls it
    graph = _import_graph(_modules(package), _imported_at_import_time)
    cycle = _cycle(graph)
    assert cycle is None, " -> ".join(cycle or [])
    assert sum(map(len, graph.values())) > 5  # it sees the imports between the modules


def test_the_cycle_finder_finds_one() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None
