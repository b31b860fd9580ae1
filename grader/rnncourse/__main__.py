"""`rnncourse` and `python -m rnncourse`: the entry point.

Kept free of click and numpy so that, for `check`, the server of student
processes (forkserver.py) starts booting numpy before the CLI itself loads.
"""

import os
import sys

from rnncourse.sandbox import forkserver


def main() -> None:
    forkserver.one_blas_thread(os.environ)  # before anything loads numpy
    if sys.argv[1:2] == ["check"]:
        forkserver.warm_up()
    from rnncourse.cli.main import main as run_cli

    run_cli()


if __name__ == "__main__":
    main()
