"""The layers, read from the source: the domain knows no HTTP framework, and the project package knows no app.

Domain modules are every module of the apps (catalog/, sessions/) but their
API, admin, management commands, migrations, app configs and URLs, plus
the project's own domain modules (`stretchapi.errors`, `stretchapi.preconditions`).
They raise `stretchapi.errors`; the API turns those into problems.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ("catalog", "sessions")
NOT_DOMAIN_FOLDERS = {"api", "admin", "management", "migrations"}
NOT_DOMAIN_FILES = {"admin.py", "apps.py", "urls.py"}
PROJECT_DOMAIN_MODULES = ("stretchapi/errors.py", "stretchapi/preconditions.py")
FRAMEWORKS = {"rest_framework", "drf_spectacular"}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """Every module `path` imports, as absolute dotted names (`from x import y` counts `x` and `x.y`)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolved against the module's package
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                origin = ".".join([*base, node.module] if node.module else base)
            else:
                origin = node.module or ""
            found.append((node.lineno, origin))
            # `from catalog import api` imports catalog.api
            found.extend((node.lineno, f"{origin}.{alias.name}") for alias in node.names if alias.name != "*")
    return found


def domain_modules() -> list[Path]:
    modules = [ROOT / name for name in PROJECT_DOMAIN_MODULES]
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            folders = set(path.relative_to(ROOT / app).parts[:-1])
            if not folders & NOT_DOMAIN_FOLDERS and path.name not in NOT_DOMAIN_FILES:
                modules.append(path)
    return modules


def forbidden_in_domain(module: str) -> bool:
    parts = module.split(".")
    return parts[0] in FRAMEWORKS or "rest_framework" in parts or "api" in parts


def test_domain_modules_are_found():
    modules = {module_name(path) for path in domain_modules()}

    assert {"catalog.services", "catalog.content", "sessions.logbook.services", "sessions.rules.safety"} <= modules
    assert "stretchapi.errors" in modules
    assert not {"catalog.api.views", "catalog.admin", "catalog.apps"} & modules


@pytest.mark.parametrize("path", domain_modules(), ids=module_name)
def test_domain_modules_import_no_http_framework_and_no_api(path):
    offending = [f"line {line}: {module}" for line, module in imported_modules(path) if forbidden_in_domain(module)]

    assert offending == [], f"{module_name(path)} imports the API layer"


def project_modules() -> list[Path]:
    return sorted((ROOT / "stretchapi").rglob("*.py"))


def test_the_project_package_imports_no_app():
    assert project_modules()
    offending = [
        f"{module_name(path)}, line {line}: {module}"
        for path in project_modules()
        for line, module in imported_modules(path)
        if module.split(".")[0] in APPS
    ]

    assert offending == []
