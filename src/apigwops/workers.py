"""A small thread pool whose threads never hold up the exit of the process.

`concurrent.futures.ThreadPoolExecutor` joins its workers when the interpreter exits, so after Ctrl-C the
process waited for every AWS call in flight (issue 13: exit 130 came 38 s after SIGINT with 20 s calls).
This pool's workers are daemon threads: on Ctrl-C the caller stops waiting, queued work is cancelled, calls
already in flight are abandoned (their answers are never read) and the process ends at once. Normal use is
the same as the standard executor's: `submit`, `map`, and a `with` block that waits for the work, except
when the block is left by an exception, which abandons it.
"""

from __future__ import annotations

import itertools
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

_counter = itertools.count()
_Item = tuple[Future[Any], Callable[..., Any], tuple[Any, ...]] | None


class DaemonPool:
    """Up to `max_workers` daemon threads running submitted callables."""

    def __init__(self, max_workers: int, thread_name_prefix: str = "apigwops") -> None:
        self._max = max(1, max_workers)
        self._prefix = thread_name_prefix
        self._work: queue.SimpleQueue[_Item] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._closed = False

    def submit(self, fn: Callable[..., R], *args: Any) -> Future[R]:
        future: Future[R] = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("cannot submit to a pool that was shut down")
            self._work.put((future, fn, args))
            if len(self._threads) < self._max:
                thread = threading.Thread(
                    target=self._run, name=f"{self._prefix}-{next(_counter)}", daemon=True
                )
                self._threads.append(thread)
                thread.start()
        return future

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        futures = [self.submit(fn, item) for item in items]
        return (future.result() for future in futures)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Stop taking work; `cancel_futures` drops what has not started; `wait` joins the workers
        (without it, work in flight is abandoned to its daemon thread)."""
        with self._lock:
            self._closed = True
            threads = list(self._threads)
        if cancel_futures:
            while True:
                try:
                    item = self._work.get_nowait()
                except queue.Empty:
                    break
                if item is not None:
                    item[0].cancel()
        for _ in threads:
            self._work.put(None)
        if wait:
            for thread in threads:
                thread.join()

    def __enter__(self) -> DaemonPool:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        self.shutdown(wait=kind is None, cancel_futures=kind is not None)

    def _run(self) -> None:
        while True:
            item = self._work.get()
            if item is None:
                return
            future, fn, args = item
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(fn(*args))
            except BaseException as exc:  # handed to whoever reads the future, as the standard executor does
                future.set_exception(exc)
