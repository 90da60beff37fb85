"""A wheel carries everything the app reads from disk inside the `incubator` package:
templates, static files, the translations and the migrations (.ci/run installs one and serves it).
The checkout keeps them at its top level; pyproject maps them into the package."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from incubator.config import IN_CHECKOUT, PROJECT_ROOT

pytestmark = pytest.mark.skipif(not IN_CHECKOUT, reason="builds the wheel from a checkout")

# What a build must not see: caches, local data, earlier builds (setuptools' build/ keeps files
# deleted since, so the wheel is built from a fresh copy).
IGNORE = shutil.ignore_patterns(
    ".git", "__pycache__", "*.pyc", ".venv", "venv", "var", "build", "dist", "*.egg-info",
    ".pytest_cache", ".ruff_cache", "node_modules", "test-results",
)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    source = tmp_path_factory.mktemp("source") / "incubator"
    shutil.copytree(PROJECT_ROOT, source, ignore=IGNORE)
    out = tmp_path_factory.mktemp("wheel")
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "--quiet", "-w", str(out)],
        capture_output=True, text=True, timeout=300,
    )
    assert build.returncode == 0, build.stderr
    [path] = out.glob("incubator-*.whl")
    with zipfile.ZipFile(path) as archive:
        return set(archive.namelist())


def _files(folder: str, pattern: str = "*") -> list[Path]:
    root = PROJECT_ROOT / folder
    return [p.relative_to(root) for p in root.rglob(pattern) if p.is_file() and "__pycache__" not in p.parts]


def test_the_wheel_has_the_templates_inside_the_package(wheel):
    templates = _files("templates", "*.html")
    assert Path("base.html") in templates
    missing = [str(t) for t in templates if f"incubator/templates/{t.as_posix()}" not in wheel]
    assert missing == []


def test_the_wheel_has_the_static_files_htmx_and_the_favicon(wheel):
    assert "incubator/static/vendor/htmx.min.js" in wheel
    assert "incubator/static/favicon.ico" in wheel
    missing = [str(f) for f in _files("static") if f"incubator/static/{f.as_posix()}" not in wheel]
    assert missing == []


def test_the_wheel_has_the_chinese_catalog(wheel):
    assert "incubator/locale/zh_CN/LC_MESSAGES/messages.po" in wheel


def test_the_wheel_has_every_migration_inside_the_package(wheel):
    migrations = _files("migrations", "*.py")
    assert Path("__init__.py") in migrations and Path("0001_initial.py") in migrations
    missing = [str(m) for m in migrations if f"incubator/migrations/{m.as_posix()}" not in wheel]
    assert missing == []


def test_the_wheel_installs_only_the_incubator_package(wheel):
    top_level = {name.split("/", 1)[0] for name in wheel}
    assert {t for t in top_level if not t.endswith(".dist-info")} == {"incubator"}


def test_every_module_of_the_package_is_in_the_wheel(wheel):
    # pyproject lists the subpackages by hand (the mapped folders rule out packages.find).
    modules = [p.relative_to(PROJECT_ROOT).as_posix() for p in (PROJECT_ROOT / "incubator").rglob("*.py")
               if "__pycache__" not in p.parts]
    missing = [m for m in modules if m not in wheel]
    assert missing == [], "add the new subpackage to [tool.setuptools] packages in pyproject.toml"
