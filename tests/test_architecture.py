"""The layer rules import-linter cannot see (the layers themselves are checked by
``lint-imports``, pyproject.toml's [tool.importlinter]; docs/architecture.md).

No module imports a ``_private`` name from another kamlab package: ``from kamlab.x
import _y``, ``from kamlab.x._y import z`` or ``import kamlab.x._y`` where ``kamlab.x``
is not the importing module's own package.
"""

from __future__ import annotations

import ast
from pathlib import Path

import kamlab

PACKAGE = Path(kamlab.__file__).resolve().parent


def _owner(module: str) -> str:
    """The top-level kamlab package (or module) ``module`` belongs to: kamlab.x."""
    return ".".join(module.split(".")[:2])


def _private(module: str, names: list[str]) -> list[str]:
    parts = module.split(".")
    found = []
    if any(p.startswith("_") and not p.startswith("__") for p in parts[1:]):
        found.append(module)
    found += [f"{module}.{n}" for n in names if n.startswith("_") and not n.startswith("__")]
    return found


def _cross_package_private_imports() -> list[str]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE.parent).with_suffix("")
        module = ".".join(relative.parts).removesuffix(".__init__")
        here = _owner(module)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported, names = node.module, [a.name for a in node.names]
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("kamlab.") and _owner(alias.name) != here:
                        out += [f"{module}:{node.lineno} -> {p}" for p in _private(alias.name, [])]
                continue
            else:
                continue
            if imported.split(".")[0] != "kamlab" or _owner(imported) == here:
                continue
            if imported == "kamlab":  # from kamlab import _x: a private module of the root
                private = [f"kamlab.{n}" for n in names if n[0] == "_" and not n.startswith("__")]
                out += [f"{module}:{node.lineno} -> {p}" for p in private]
                continue
            out += [f"{module}:{node.lineno} -> {p}" for p in _private(imported, names)]
    return out


def test_no_module_imports_a_private_name_from_another_kamlab_package():
    found = _cross_package_private_imports()
    assert not found, "private names imported across kamlab packages:\n" + "\n".join(found)


def test_every_top_level_module_is_in_a_layer():
    """A new kamlab.x outside the layers contract would escape the check: name it there
    (pyproject.toml, [tool.importlinter]) and in docs/architecture.md."""
    import tomllib

    config = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text(encoding="utf-8"))
    (layers,) = [
        c["layers"] for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers"
    ]
    named = {m.strip(" ()") for layer in layers for m in layer.replace(":", "|").split("|")}
    present = {
        f"kamlab.{p.stem if p.suffix == '.py' else p.name}"
        for p in PACKAGE.iterdir()
        if (p.suffix == ".py" and p.stem != "__init__") or (p / "__init__.py").is_file()
    }
    assert present <= named, f"not in any layer: {sorted(present - named)}"
    architecture = (PACKAGE.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert all(m in architecture for m in named), sorted(m for m in named if m not in architecture)
