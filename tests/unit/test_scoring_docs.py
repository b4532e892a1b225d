"""The examples in scoring's and alerts' docstrings are run, so they cannot drift from the
code."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import alerts
import scoring

MODULES = sorted(
    m.name
    for package in (scoring, alerts)
    for m in pkgutil.walk_packages(package.__path__, f"{package.__name__}.")
    if not m.name.endswith("__main__")
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_hold(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
