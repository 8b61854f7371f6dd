"""The package's layers, and which may import which (docs/ARCHITECTURE.md, "Layers").

A module's layer is its subpackage of `workers/`; the modules at the top (config,
errors, records) are the core every layer shares. Imports inside functions count."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "workers"
ALLOWED = {
    "core": {"core"},
    "pipeline": {"core", "pipeline"},
    "stories": {"core", "pipeline", "stories"},
    "ops": {"core", "pipeline", "ops"},
    "stream": {"core", "pipeline", "stories", "ops", "stream"},
    "evaluation": {"core", "pipeline", "stories", "sources", "evaluation"},
    "training": {"core", "pipeline", "evaluation", "training"},
    "sources": {"core", "pipeline", "ops", "sources"},
    "bench": {"core", "pipeline", "stories", "ops", "stream", "evaluation", "bench"},
    "commands": {"core", "pipeline", "stories", "ops", "stream", "sources", "bench", "commands"},
}
# The pure stages run without a broker, a framework or a metrics registry.
PIPELINE_FORBIDDEN = {"faust", "mode", "aiokafka", "kafka", "prometheus_client"}


def module_of(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in ALLOWED else "core"


def imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import in the file, relative ones resolved."""
    found = []
    package = module_of(path).rsplit(".", 0 if path.name == "__init__.py" else 1)[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.append((node.lineno, base))
            # `from workers import x` names a module too when x is one
            found += [
                (node.lineno, f"{base}.{alias.name}")
                for alias in node.names
                if (ROOT.parent / base.replace(".", "/") / alias.name).exists()
                or (ROOT.parent / base.replace(".", "/") / f"{alias.name}.py").exists()
            ]
    return found


SOURCES = sorted(ROOT.rglob("*.py"))


def test_there_are_layers_and_few_modules_at_the_top():
    assert {layer_of(module_of(p)) for p in SOURCES} == set(ALLOWED)
    top = [p.name for p in ROOT.glob("*.py")]
    assert len(top) <= 6, top


def test_each_layer_imports_only_the_layers_below_it():
    wrong = []
    for path in SOURCES:
        layer = layer_of(module_of(path))
        for line, name in imports(path):
            if name.split(".")[0] != "workers" or name == "workers":
                continue
            if layer_of(name) not in ALLOWED[layer]:
                where = f"{path.relative_to(ROOT.parent)}:{line}"
                may = ", ".join(sorted(ALLOWED[layer]))
                wrong.append(f"{where} imports {name} ({layer} may import {may})")
    assert not wrong, "\n".join(wrong)


def test_the_pipeline_imports_no_framework_broker_client_or_metrics():
    wrong = [
        f"{path.relative_to(ROOT.parent)}:{line} imports {name}"
        for path in sorted((ROOT / "pipeline").rglob("*.py"))
        for line, name in imports(path)
        if name.split(".")[0] in PIPELINE_FORBIDDEN
    ]
    assert not wrong, "\n".join(wrong)


def test_no_import_cycle():
    graph = {module_of(p): set() for p in SOURCES}
    for path in SOURCES:
        for _, name in imports(path):
            while name and name not in graph:
                name = name.rpartition(".")[0]
            if name and name != module_of(path) and not module_of(path).startswith(name + "."):
                graph[module_of(path)].add(name)
    done: set[str] = set()

    def visit(module: str, trail: list[str]) -> None:
        if module in trail:
            cycle = [*trail[trail.index(module) :], module]
            raise AssertionError("import cycle: " + " -> ".join(cycle))
        if module in done:
            return
        for dependency in sorted(graph[module]):
            visit(dependency, [*trail, module])
        done.add(module)

    for module in sorted(graph):
        visit(module, [])
