"""Entry point of the sandbox's moto process: `python -m apigwops.sandbox.motochild PORT`.

It runs moto's server on 127.0.0.1:PORT and exits as soon as its parent is gone (polling the parent pid), so
a sandbox that dies without cleaning up never leaves moto behind. Request logging is off: one line per AWS
call is noise nobody reads. moto's Lambda is taught `LoggingConfig` first (`moto_patches.py`).
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time


def _exit_with_parent(parent: int) -> None:
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            os._exit(0)


def main(argv: list[str]) -> None:
    port = argv[0]
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    from moto.server import main as moto_main

    from apigwops.sandbox.moto_patches import add_lambda_logging_config

    add_lambda_logging_config()

    moto_main(["-H", "127.0.0.1", "-p", port])


if __name__ == "__main__":
    main(sys.argv[1:])
