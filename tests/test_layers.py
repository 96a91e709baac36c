"""The package's layers depend downward only, and no two modules import each other (directly or round a loop).

Layers, lowest first: foundations (units, formulas, files, errors, formatting); probabilistic models and
customer data; domain catalogues; case data; calculations on a case; the case analysis; renderers; the
command line. Every import, including one inside a function, must point to the same layer or a lower one.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "clvedu"

LAYERS = [
    ("foundations", ["clvedu", "clvedu.errors", "clvedu.io", "clvedu.units", "clvedu.formatting", "clvedu.clv",
                     "clvedu.published_examples", "clvedu.charts.spec"]),
    ("models and data", ["clvedu.models", "clvedu.data"]),
    ("domain", ["clvedu.domain"]),
    ("case data", ["clvedu.cases", "clvedu.rubric"]),
    ("calculations on a case", ["clvedu.levers", "clvedu.decisions", "clvedu.segments", "clvedu.simulate"]),
    ("case analysis", ["clvedu.analysis"]),
    ("renderers", ["clvedu.charts", "clvedu.decks", "clvedu.teaching", "clvedu.assessment", "clvedu.workbook",
                   "clvedu.variants"]),
    ("command line", ["clvedu.commands", "clvedu.cli"]),
]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(module: str) -> int:
    best, best_len = None, -1
    for i, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best_len:
                best, best_len = i, len(prefix)
    assert best is not None, f"{module} is in no layer; add it to LAYERS in {__file__}"
    return best


def imports_of(path: Path) -> list[tuple[str, bool]]:
    """(imported clvedu module, whether the import is at module level) for one file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("clvedu"):
            names = [f"{node.module}.{a.name}" for a in node.names]
            # "from clvedu.cases import load_case" names a module attribute; keep the module itself
            found += [(n if (PACKAGE.parent / (n.replace(".", "/") + ".py")).exists()
                       or (PACKAGE.parent / n.replace(".", "/")).is_dir() else node.module, id(node) in top)
                      for n in names]
        elif isinstance(node, ast.Import):
            found += [(a.name, id(node) in top) for a in node.names if a.name.startswith("clvedu")]
    return found


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_point_down(module):
    mine = layer_of(module)
    for target, _ in imports_of(MODULES[module]):
        if target == "clvedu" or target.startswith(module + "."):
            continue
        assert layer_of(target) <= mine, (f"{module} ({LAYERS[mine][0]}) imports {target} "
                                          f"({LAYERS[layer_of(target)][0]}), a higher layer")


def test_no_import_cycles():
    graph = {m: {t for t, _ in imports_of(p) if t in MODULES and t != m and not t == "clvedu"} for m, p in MODULES.items()}
    # a package's __init__ re-exporting its own modules is not a cycle
    for m in graph:
        graph[m] = {t for t in graph[m] if not (MODULES[m].name == "__init__.py" and t.startswith(m + "."))
                    and not (MODULES.get(t) and MODULES[t].name == "__init__.py" and m.startswith(t + "."))}
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycle = path[path.index(nxt):] + [nxt] if nxt in path else [node, nxt]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = 2

    for start in sorted(graph):
        if start not in state:
            visit(start, [start])
