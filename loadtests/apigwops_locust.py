"""How apigwops starts Locust (`python apigwops_locust.py ARGS`, instead of `python -m locust ARGS`).

Two differences from `python -m locust`, both about control:

- Locust dies with apigwops. Before anything else, this process asks Linux for SIGKILL when its parent dies
  (`prctl(PR_SET_DEATHSIG)`), and exits at once if apigwops is already gone. So a SIGKILL of apigwops (a CI
  runner cancelling a job, `timeout -s KILL`) stops the load too. The worker processes Locust forks for
  `--processes` are covered by the plugin (`apigwops_plugin.guard_parent`), because the death signal is not
  inherited across fork.
- Locust reads none of its default configuration files (`~/.locust.conf`, `./locust.conf`,
  `./pyproject.toml`): apigwops has read them already, merged what it understood with one precedence and said
  so (see `apigwops.loadtest.locustconf`). It also starts Locust without any `LOCUST_*` variable.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

PR_SET_DEATHSIG = 1


def _die_with_parent() -> None:
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_DEATHSIG, int(signal.SIGKILL))
    expected = int(os.environ.get("APIGWOPS_LT_PARENT_PID") or 0)
    if expected and os.getppid() != expected:  # apigwops died before the death signal was armed
        os._exit(1)


def ignore_config_files() -> None:
    """Locust's parsers take the default files as a default argument, bound when they were defined."""
    import locust.argument_parser as parser

    parser.get_empty_argument_parser.__defaults__ = (True, ())
    parser.get_parser.__defaults__ = ((),)


def main() -> None:
    _die_with_parent()
    ignore_config_files()
    from locust.main import main as locust_main

    locust_main()


if __name__ == "__main__":
    main()
