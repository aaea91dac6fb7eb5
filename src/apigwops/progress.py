"""Progress as an observer, so the core reports what it is doing without importing a UI library."""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    """What the core may tell the user while it works; the CLI prints it on stderr."""

    def step(self, message: str) -> None:
        """A stage started or finished ('reading access logs: 12,400 lines')."""

    def warn(self, message: str) -> None:
        """Something was skipped or degraded; the result is still usable."""


class NullProgress:
    """For library use and tests: says nothing."""

    def step(self, message: str) -> None:
        return None

    def warn(self, message: str) -> None:
        return None


class RecordingProgress:
    """For tests: remembers every message."""

    def __init__(self) -> None:
        self.steps: list[str] = []
        self.warnings: list[str] = []

    def step(self, message: str) -> None:
        self.steps.append(message)

    def warn(self, message: str) -> None:
        self.warnings.append(message)
