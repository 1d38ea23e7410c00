"""House rules that keep the shape of the code: the core never imports the edges; the public
API is declared, sorted and complete; every module has the one exception tree."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
from pathlib import Path
from typing import Any

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
}


def _modules(name: str) -> list[Path]:
    base = SRC / name
    if base.is_dir():
        return sorted(base.rglob("*.py"))
    file = SRC / f"{name}.py"
    return [file] if file.exists() else []


def _imported(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = ".".join(path.relative_to(SRC.parent).with_suffix("").parts[:-1])
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                mod = ".".join([*base, node.module] if node.module else base)
            else:
                mod = node.module or ""
            out.add(mod)
            out.update(f"{mod}.{a.name}" for a in node.names)
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
