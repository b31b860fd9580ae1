"""A subreaper finds and ends processes that left their session and lost their
parent (reaper.py), without touching the ones it is told to spare."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from helpers.leftovers import adopting

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux /proc")

# A process that becomes a subreaper, starts a child that starts a grandchild
# (which leaves its session and spins) and exits; then a second child that
# stays (spared). Prints the pids it sees below itself, ends them, prints again.
SUBREAPER = textwrap.dedent("""
    import json, os, subprocess, sys, time
    from rnncourse.sandbox import reaper

    assert reaper.become_subreaper()
    spared = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    middle = os.fork()
    if middle == 0:
        if os.fork() == 0:
            os.setsid()
            while True:
                pass
        os._exit(0)
    os.waitpid(middle, 0)
    time.sleep(0.2)
    below = sorted(reaper.descendants(os.getpid()))
    killed = reaper.kill_descendants(os.getpid(), spare=[spared.pid])
    print(json.dumps({"below": below, "killed": killed, "spared": spared.pid,
                      "left": reaper.descendants(os.getpid())}))
    spared.kill()
    spared.wait()
""")


def test_an_orphan_that_left_its_session_is_found_and_ended():
    with adopting() as adopted:
        done = subprocess.run([sys.executable, "-c", SUBREAPER], capture_output=True,
                              text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        seen = json.loads(done.stdout)
        assert len(seen["below"]) == 2 and seen["spared"] in seen["below"]  # orphan adopted
        assert seen["killed"] == 1 and seen["left"] == [seen["spared"]]
        assert adopted.survivors() == []


def test_killing_a_tree_ends_what_its_root_adopted():
    from rnncourse.sandbox import reaper

    with adopting() as adopted:
        root = subprocess.Popen([sys.executable, "-c", textwrap.dedent("""
            import os, time
            from rnncourse.sandbox import reaper
            reaper.become_subreaper()
            if os.fork() == 0:
                if os.fork() == 0:
                    os.setsid()
                    time.sleep(60)
                os._exit(0)
            print("ready", flush=True)
            time.sleep(60)
        """)], stdout=subprocess.PIPE, text=True)
        assert root.stdout.readline() == "ready\n"
        time.sleep(0.1)
        below = reaper.descendants(root.pid)
        assert len(below) == 1
        reaper.kill_tree(root.pid)
        root.wait(timeout=10)
        assert root.returncode == -signal.SIGKILL
        time.sleep(0.1)
        assert adopted.survivors() == []
        with pytest.raises(ProcessLookupError):
            os.kill(below[0], 0)
