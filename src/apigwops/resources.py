"""Where shipped data (playbooks, locustfiles, examples) lives, installed or in a checkout.

A wheel carries the repository's `playbooks/`, `loadtests/` and `examples/` under `apigwops/_data/` (hatch
force-include); a development checkout has them at the repository root. Callers ask for a name and get the one
that exists, so the same code works in both layouts.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """The directory of shipped data called `name` (e.g. "playbooks"); installed copy first, then the checkout.

    Returns the installed path when neither exists, so that error messages name where it was expected.
    """
    installed = _PACKAGE_DIR / "_data" / name
    if installed.is_dir():
        return installed
    checkout = _PACKAGE_DIR.parent.parent / name  # src/apigwops -> repository root
    if checkout.is_dir():
        return checkout
    return installed
