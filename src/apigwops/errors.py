"""Exit codes and the exceptions that carry them.

The core raises these instead of exiting, so that it stays usable as a library; the CLI maps them to the
AWS CLI style exit codes promised in DESIGN.md with one function (`exit_code_for`).
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Exit codes, AWS CLI style. Scripts and pipelines depend on these numbers: do not renumber."""

    OK = 0
    FOUND = 1  # a problem was found (diagnose) or an SLO failed (loadtest)
    USAGE = 2  # bad option, bad file, unknown API, malformed playbook
    INTERRUPTED = 130
    CONFIG = 253  # credentials or configuration
    SERVICE = 254  # AWS service error that prevented the result
    BUG = 255


class ApigwopsError(Exception):
    """An error the user can act on: printed as one line (plus an optional hint), never as a traceback."""

    exit_code: ExitCode = ExitCode.BUG

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageError(ApigwopsError):
    """Bad option value or bad input file."""

    exit_code = ExitCode.USAGE


class NotFoundError(UsageError):
    """An API, stage, playbook or file the user named does not exist."""


class CredentialsError(ApigwopsError):
    """No credentials, expired SSO token, unknown profile, no region."""

    exit_code = ExitCode.CONFIG


class ServiceError(ApigwopsError):
    """AWS answered with an error (after retries) or could not be reached."""

    exit_code = ExitCode.SERVICE


class ReadOnlyViolation(ApigwopsError):
    """The code tried to call an AWS operation outside the read-only allowlist: always a bug."""

    exit_code = ExitCode.BUG


def exit_code_for(exc: BaseException) -> ExitCode:
    """The exit code for an exception that reached the top of the CLI."""
    if isinstance(exc, KeyboardInterrupt):
        return ExitCode.INTERRUPTED
    if isinstance(exc, ApigwopsError):
        return exc.exit_code
    return ExitCode.BUG
