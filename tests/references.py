"""The reference libraries the tests compare against (PySAL, pymcdm,
quantecon, numba...).

They are installed by ``make setup`` and on every matrix stack, so a missing
one is an error, not a skip: a skipped module would silently drop the
hand-computed cases beside the reference cases. Set
``RR_ALLOW_MISSING_REFERENCES=1`` to skip instead on a machine that cannot
have them (never in CI).
"""
import importlib
import os

import pytest


def reference(name):
    """Import the reference module ``name`` (e.g. ``"esda"``,
    ``"giddy.markov"``); a missing module fails the test with what to install."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        if os.environ.get("RR_ALLOW_MISSING_REFERENCES") == "1" and not os.environ.get("CI"):
            pytest.skip(f"reference library {name} not installed ({exc})")
        raise ImportError(
            f"The test reference {name!r} is not installed ({exc}). Run `make setup`: it installs "
            "every reference library of requirements.txt."
        ) from exc
