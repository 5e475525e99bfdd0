"""The import graph is part of the design: no cycles among the modules of the `unicron` command."""

from __future__ import annotations

import ast
from pathlib import Path

import unicron


def test_no_module_of_the_unicron_package_imports_itself_back() -> None:
    """`unicron`'s modules, their imports inside functions included, form no cycle."""
    package = Path(unicron.__file__).parent
    graph: dict[str, set[str]] = {}
    for path in package.glob("*.py"):
        edges = graph.setdefault(path.stem, set())
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module == "unicron":
                edges.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("unicron."):
                edges.add(node.module.split(".")[1])
            elif isinstance(node, ast.Import):
                edges.update(a.name.split(".")[1] for a in node.names if a.name.startswith("unicron."))

    def visit(module: str, path: tuple[str, ...]) -> None:
        assert module not in path, " -> ".join((*path, module))
        for imported in graph.get(module, ()):
            visit(imported, (*path, module))

    for module in graph:
        visit(module, ())
