"""`rnncourse` and `python -m rnncourse`: the entry point.

Kept free of click and numpy so that, for `check`, the server of student
processes (zygote.py) starts booting numpy before the CLI itself loads.
"""

import os
import sys

from rnncourse import zygote


def main() -> None:
    zygote.one_blas_thread(os.environ)  # before anything loads numpy
    if sys.argv[1:2] == ["check"]:
        zygote.warm_up()
    from rnncourse.cli import main as run_cli

    run_cli()


if __name__ == "__main__":
    main()
