"""The import contract: no cycles among our modules, and no import from a
lower layer to a higher one. Read from the source with `ast` (nothing is
imported), counting every import, those inside functions too: a lazy import
keeps a cold start light, it does not make a cycle acceptable.

Layers, highest first:
- `registry_local` (the `registry` command, the demos, packaging): may import
  anything below;
- `app` (lambda/app.py, the entry point), then `handlers` (one module per
  action, the dispatcher);
- `services`; inside it, `services.cascade` and `services.reconcile`
  orchestrate over both aggregates, so `services.gateway` and
  `services.tools` never import them.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("handlers", "services", "registry_local")
# (importer prefix, imported prefixes it must not import)
FORBIDDEN = (
    ("services", ("handlers", "registry_local", "app")),
    ("handlers", ("registry_local",)),
    ("app", ("registry_local",)),
    ("services.gateway", ("services.cascade", "services.reconcile", "services.tools")),
    ("services.tools", ("services.cascade", "services.reconcile")),
    ("services.records", ("services.gateway", "services.tools", "services.cascade")),
)


def modules() -> dict[str, Path]:
    found = {"app": ROOT / "lambda" / "app.py"}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def imported(tree: ast.AST, known: set[str]) -> Iterator[str]:
    """Our modules an AST imports (`from a import b` is a.b when that is a module)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [
                f"{node.module}.{alias.name}"
                if f"{node.module}.{alias.name}" in known
                else node.module
                for alias in node.names
            ]
        else:
            continue
        for name in names:
            # A name below our modules (a function, a class) is its module's.
            module = name
            while module and module not in known:
                module = module.rpartition(".")[0]
            if module:
                yield module


def graph() -> dict[str, set[str]]:
    found = modules()
    known = set(found)
    return {
        name: set(imported(ast.parse(path.read_text()), known)) - {name}
        for name, path in found.items()
    }


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def test_no_import_cycles() -> None:
    assert cycles(graph()) == []


def test_no_import_from_a_lower_layer_to_a_higher_one() -> None:
    breaches = sorted(
        f"{source} imports {target}"
        for source, targets in graph().items()
        for target in targets
        for importer, banned in FORBIDDEN
        if within(source, importer) and any(within(target, b) for b in banned)
    )
    assert breaches == []


def test_the_contract_sees_a_cycle_and_a_breach() -> None:
    # The checks themselves: a made-up cycle and a made-up upward import.
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    tree = ast.parse("def f():\n    from services.tools import tool_flow\n")
    assert list(imported(tree, {"services.tools", "services.tools.tool_flow"})) == [
        "services.tools.tool_flow"
    ]
    assert set(graph()) >= {"app", "handlers.dispatcher", "services.cascade", "registry_local.cli"}
