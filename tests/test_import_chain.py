"""Features depend in one direction: the core, then auth, orgs (and branding), authoring, learner and
quizzes, then cpd, certificates and employers, then main and demo (docs/architecture.md).

Imports are read from the source (``ast``), imports inside functions included, so a cycle
hidden in a function body fails too. Pure Python: it does not import the app.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "course_engine"

#: The tiers, lowest first. A module may import from its own tier or any lower one, and the
#: feature graph must have no cycle (so within a tier imports run one way too).
TIERS = (
    {"audit", "config", "content", "dates", "db", "documents", "encryption", "errors", "engines", "forms",
     "inputs", "jobs", "links", "mail", "migrate", "navigation", "outbound", "scores", "security", "signals", "signed_tokens",
     "submissions"},
    {"auth"},
    {"orgs", "branding"},  # branding (the organisation's look) imports orgs, never the reverse
    {"sso"},  # single sign-on: accounts and memberships from an organisation's identity provider
    {"authoring"},
    {"learner", "quizzes"},
    {"cpd", "certificates", "employers", "lti", "xapi", "scorm"},  # lti launches modules and reacts to completion; scorm packages versions
    {"main", "demo", "failed_jobs"},  # failed_jobs lists every feature's jobs
    {"__init__", "models"},  # the factory and the schema's list of models see everything
)
TIER_OF = {name: level for level, names in enumerate(TIERS) for name in names}


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _feature(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def import_edges(root: Path = PACKAGE) -> dict[str, set[str]]:
    """Module -> the ``course_engine`` modules it imports (anywhere in the file)."""
    modules = {_module_name(p, root): p for p in root.rglob("*.py")}
    edges: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                for alias in node.names:
                    candidate = f"{target}.{alias.name}"
                    found.add(candidate if candidate in modules else target)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
        edges[name] = {t for t in found if t in modules and t != name}
    return edges


def feature_edges(edges: dict[str, set[str]]) -> set[tuple[str, str, str, str]]:
    """(feature, feature it imports, importing module, imported module), across features."""
    return {(_feature(a), _feature(b), a, b) for a, targets in edges.items() for b in targets
            if _feature(a) != _feature(b)}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_every_feature_has_a_tier():
    """A new feature (or core module) must be placed in the chain before it can be imported."""
    top_level = {p.stem if p.is_file() else p.name for p in PACKAGE.iterdir()
                 if (p.suffix == ".py" or (p.is_dir() and (p / "__init__.py").exists()))}
    assert top_level - set(TIER_OF) == set()


def test_no_import_runs_against_the_chain():
    """No module imports a feature of a higher tier (core -> auth -> orgs -> ... -> main, demo)."""
    against = sorted(f"{a} imports {b}" for fa, fb, a, b in feature_edges(import_edges())
                     if TIER_OF[fb] > TIER_OF[fa])
    assert against == []


def test_features_have_no_import_cycle():
    """Between features the imports form no cycle, imports inside functions included."""
    graph: dict[str, set[str]] = {}
    for fa, fb, _a, _b in feature_edges(import_edges()):
        graph.setdefault(fa, set()).add(fb)
    assert cycles(graph) == []


def test_modules_have_no_import_cycle_except_a_package_and_its_own_parts():
    """Within a feature no two modules import each other, except a package's ``__init__``
    importing its own modules (the blueprint pattern: ``routes`` does ``from . import bp``)."""
    edges = import_edges()
    graph = {a: {b for b in targets if not b.startswith(a + ".")} for a, targets in edges.items()}
    assert cycles(graph) == []


@pytest.mark.parametrize("source, expected", [
    ({"a": {"b"}, "b": {"a"}}, [["a", "b"]]),
    ({"a": {"b"}, "b": {"c"}, "c": set()}, []),
    ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
])
def test_the_cycle_finder_finds_cycles(source, expected):
    """The check can fail: a two- or three-module cycle is found, a chain is not."""
    assert cycles(source) == expected


def test_an_upward_import_inside_a_function_is_seen(tmp_path):
    """An import hidden in a function body counts (the tests above would miss it otherwise)."""
    package = tmp_path / "course_engine"
    (package / "auth").mkdir(parents=True)
    (package / "orgs").mkdir()
    (package / "__init__.py").write_text("")
    (package / "auth" / "__init__.py").write_text("def f():\n    from ..orgs import services\n")
    (package / "orgs" / "__init__.py").write_text("")
    (package / "orgs" / "services.py").write_text("")
    edges = import_edges(package)
    assert ("auth", "orgs", "course_engine.auth", "course_engine.orgs.services") in feature_edges(edges)
