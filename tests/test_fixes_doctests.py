"""The docstring examples of the fixes and simulate modules run as doctests."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["rca.fixes.regex_guard", "rca.fixes.entry", "rca.fixes.signature", "rca.fixes.spec", "rca.fixes.library", "rca.fixes.feedback",
           "rca.simulate"]


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
