"""The version has one source (``skchaos.__version__``); everything that repeats it agrees."""

import re
from importlib.metadata import version
from pathlib import Path

import pytest

import skchaos

ROOT = Path(__file__).resolve().parent.parent


def test_installed_version_is_the_package_version():
    # pyproject.toml reads the version from skchaos/__init__.py; an editable install keeps
    # the version it was installed with, so a mismatch here means: reinstall.
    assert version("skchaos") == skchaos.__version__


def _repository_file(name):
    path = ROOT / name
    if not path.is_file():
        pytest.skip(f"{name} is not beside the tests (an installed copy of the tests)")
    return path.read_text(encoding="utf-8")


def test_citation_names_the_package_version():
    found = re.search(r"^version:\s*\"?([^\"\s]+)\"?\s*$", _repository_file("CITATION.cff"),
                      re.MULTILINE)
    assert found is not None and found.group(1) == skchaos.__version__


def test_changelog_has_the_version_and_an_unreleased_section():
    changelog = _repository_file("CHANGELOG.md")
    assert "## [Unreleased]" in changelog
    assert re.search(rf"^## \[{re.escape(skchaos.__version__)}\]", changelog, re.MULTILINE)
