"""The layout's rules, held by tests: every form on wardsite.forms.Form, no area
importing another area's routes, and no module grown past a readable size, and
the architecture page listing every URL."""

import ast
import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest
import wtforms

import wardsite
from wardsite.forms import Form, SubForm

PACKAGE = Path(wardsite.__file__).parent
MODULES = sorted(
    name for _, name, _ in pkgutil.walk_packages([str(PACKAGE)], prefix="wardsite.")
    if not name.startswith("wardsite.translations")
)
AREAS = sorted(
    path.name for path in PACKAGE.iterdir() if path.is_dir() and (path / "__init__.py").exists()
)
MAX_LINES = 450


def _form_classes():
    for name in MODULES:
        module = importlib.import_module(name)
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, wtforms.Form) and value.__module__ == name:
                yield value


def test_the_areas_are_found():
    assert {"accounts", "admin", "news", "procedures", "visits", "stats"} <= set(AREAS)


def test_every_form_is_built_on_the_shared_base():
    forms = list(_form_classes())
    assert len(forms) > 20
    strays = [f"{form.__module__}.{form.__qualname__}" for form in forms if not issubclass(form, (Form, SubForm))]
    assert strays == []


def test_a_form_off_the_base_would_be_found():
    class Stray(wtforms.Form):
        pass

    assert not issubclass(Stray, (Form, SubForm))


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


@pytest.mark.parametrize("area", AREAS)
def test_no_area_imports_another_areas_routes(area):
    others = {f"wardsite.{other}.routes" for other in AREAS if other != area}
    offending = []
    for path in sorted((PACKAGE / area).rglob("*.py")):
        for name in _imports(path):
            if any(name == route or name.startswith(route + ".") for route in others):
                offending.append(f"{path.relative_to(PACKAGE)} imports {name}")
    assert offending == []


def test_every_module_says_what_it_is_for():
    missing = [
        str(path.relative_to(PACKAGE)) for path in sorted(PACKAGE.rglob("*.py"))
        if path.stat().st_size and ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) is None
    ]
    assert missing == []


def test_no_module_grows_past_the_readable_size():
    long = {
        str(path.relative_to(PACKAGE)): count for path in sorted(PACKAGE.rglob("*.py"))
        if (count := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def test_the_architecture_page_lists_every_url_of_the_app(app):
    """docs/ARCHITECTURE.md's URL tables are the app's URL map, row for row."""
    page = (PACKAGE.parent / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([^`]+)` \| ([A-Z ]+) \| `([\w.]+)` \|$", page, flags=re.MULTILINE))
    served = {
        (rule.rule, " ".join(sorted(rule.methods - {"HEAD", "OPTIONS"})), rule.endpoint)
        for rule in app.url_map.iter_rules() if "." in rule.endpoint
    }
    assert sorted(served - documented) == []
    assert sorted(documented - served) == []
