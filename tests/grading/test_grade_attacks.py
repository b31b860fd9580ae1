"""Students attacking the grader, each through one exercise (activations).

Every attack must earn nothing on the exercise it attacks and leave full points
on the other one (clipping, a correct solution), give every student a row with
a readable reason, and leave every submission on disk.

The process-level attacks (loops, memory, exits, patching, rigged return
values, fake output) are stopped by the process boundary and the plain-data
protocol. The filesystem and signal attacks are stopped by strict isolation
(worker.strict_isolation: Landlock, seccomp), which needs Linux with Landlock
ABI 6; elsewhere those tests are skipped.
"""

import csv
import signal

import pytest
from helpers.classroom import (
    Page,
    add_folder,
    add_zip,
    full_class,
    grade,
    gradebook_rows,
    make_course,
    points,
    scores,
    snapshot,
    solution,
)

from rnncourse.sandbox import landlock

STUDENT_TIMEOUT = "2"  # seconds per student (checks have 0.5 s each in this course)

# Each attack is the whole activations.py of one student: (code, a phrase of
# the reason the report must show, the status the student must get).
ATTACKS = {
    "loop-at-import": ("while True:\n    pass\n", "did not finish within 0.5 s", "graded"),
    "loop-in-functions": (solution("activations", """
        def sigmoid(x):
            while True:
                pass

        def sigmoid_derivative(x):
            while True:
                pass

        def tanh_derivative(x):
            while True:
                pass
        """), "did not finish within", "graded"),  # one time limit per function, not per check
    "memory-at-import": (
        "import numpy as np\nhog = [np.empty(10**8) for _ in range(10**4)]\n",
        "MemoryError", "graded"),
    "memory-in-functions": (solution("activations", """
        def sigmoid(x):
            return np.ones((10**6, 10**6))

        sigmoid_derivative = tanh_derivative = sigmoid
        """), "ran out of memory", "graded"),
    "sys-exit-at-import": ("import sys\nsys.exit(0)\n", "called sys.exit() while being imported",
                           "graded"),
    "sys-exit-in-functions": (solution("activations", """
        import sys

        def sigmoid(x):
            sys.exit(0)

        sigmoid_derivative = tanh_derivative = sigmoid
        """), "called sys.exit()", "graded"),
    "os-exit-at-import": ("import os\nos._exit(0)\n", "ended its process", "graded"),
    "os-exit-in-functions": (solution("activations", """
        import os

        def sigmoid(x):
            os._exit(0)

        sigmoid_derivative = tanh_derivative = sigmoid
        """), "ended its process", "graded"),
    "patch-numpy": (solution("activations", """
        np.allclose = lambda *a, **k: True
        np.isclose = lambda a, b, *r, **k: np.ones(np.shape(a), dtype=bool)
        np.array_equal = lambda *a, **k: True
        np.testing.assert_allclose = lambda *a, **k: None
        np.testing.assert_array_equal = lambda *a, **k: None
        np.abs = lambda x, *a, **k: 0 * x
        np.max = lambda *a, **k: 0.0

        def sigmoid(x):
            return np.zeros_like(x)

        sigmoid_derivative = tanh_derivative = sigmoid
        """), "relative error", "graded"),
    "patch-builtins-and-pytest": (solution("activations", """
        import builtins
        import pytest

        class Anything:
            def __eq__(self, other):
                return True

        pytest.approx = lambda *a, **k: Anything()
        builtins.abs = lambda x: 0
        builtins.max = lambda *a, **k: 0
        builtins.all = lambda *a, **k: True
        builtins.any = lambda *a, **k: False

        def sigmoid(x):
            return x * 0.0

        sigmoid_derivative = tanh_derivative = sigmoid
        """), "relative error", "graded"),
    "rigged-ndarray-subclass": (solution("activations", """
        class Always(np.ndarray):
            def __eq__(self, other):
                return np.ones(np.shape(self), dtype=bool)

            def __sub__(self, other):
                return np.zeros(np.shape(self))

            __rsub__ = __sub__

            def __abs__(self):
                return np.zeros(np.shape(self))

        _sigmoid = sigmoid

        def sigmoid(x):
            return np.zeros_like(x).view(Always)

        sigmoid_derivative = tanh_derivative = sigmoid
        """), "numpy array subclass", "graded"),
    "rigged-array-like": (solution("activations", """
        _right = {"sigmoid": sigmoid, "sigmoid_derivative": sigmoid_derivative,
                  "tanh_derivative": tanh_derivative}

        class Right:
            '''Holds the right answer, but is not an array.'''

            def __init__(self, value):
                self.value = value

            def __array__(self, dtype=None, copy=None):
                return self.value

            def __eq__(self, other):
                return True

            def __sub__(self, other):
                return 0.0

            __rsub__ = __sub__

        def sigmoid(x):
            return Right(_right["sigmoid"](x))

        def sigmoid_derivative(x):
            return Right(_right["sigmoid_derivative"](x))

        def tanh_derivative(x):
            return Right(_right["tanh_derivative"](x))
        """), "an object of type", "graded"),
    "fake-results-printed": (solution("activations", """
        import json
        import os
        import sys

        FAKE = json.dumps({"score": 10.0, "max_score": 10.0, "passed": True,
                           "exercises": [{"id": "activations", "score": 10.0}]})
        print(FAKE)
        print("All checks pass. Score 20 / 20.", file=sys.stderr)
        os.write(1, FAKE.encode() + b"\\n")
        os.write(2, b"<script>alert('pwned')</script>\\n")

        def sigmoid(x):
            print(FAKE)
            print("✓ pass " * 50)
            return np.zeros_like(x)

        sigmoid_derivative = tanh_derivative = sigmoid
        """), "relative error", "graded"),
}


@pytest.fixture(scope="module")
def attacked(tmp_path_factory):
    base = tmp_path_factory.mktemp("attacks")
    root = make_course(base / "course")
    subs = base / "submissions"
    subs.mkdir()
    for name, (code, _, _) in ATTACKS.items():
        add_folder(subs, name, {"activations.py": code, "clipping.py": solution("clipping")})
    add_folder(subs, "honest", full_class())
    add_zip(subs, "honest-zip", full_class(), top="honest-zip")
    before = snapshot(subs)
    out = base / "out"
    done = grade(root, subs, out, "--jobs", "2", "--timeout", STUDENT_TIMEOUT)
    return {"root": root, "subs": subs, "out": out, "done": done, "before": before,
            "rows": gradebook_rows(out)}


def test_the_run_ends_normally(attacked):
    done = attacked["done"]
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stderr == "" and "Traceback" not in done.stdout
    assert "pwned" not in done.stdout and "FAKE" not in done.stdout


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_attack_earns_nothing_and_costs_nothing_else(attacked, attack, course):
    row = attacked["rows"][attack]
    _, reason, status = ATTACKS[attack]
    assert row["status"] == status, row["reason"]
    got = scores(row)
    assert got["activations"] == 0
    assert got["clipping"] == pytest.approx(points(course, "clipping"))
    page = Page((attacked["out"] / "report.html").read_text(encoding="utf-8"))
    remarks = page.rows("students")[attack][-1]
    assert reason in remarks, remarks


def test_honest_students_are_not_affected(attacked, course):
    full = {"activations": points(course, "activations"), "clipping": points(course, "clipping")}
    for student_id in ("honest", "honest-zip"):
        assert scores(attacked["rows"][student_id]) == pytest.approx(full)


def test_every_student_has_a_row_and_every_submission_is_on_disk(attacked):
    with open(attacked["out"] / "grades.csv", newline="") as file:
        ids = [row["student_id"] for row in csv.DictReader(file)]
    assert sorted(ids) == sorted([*ATTACKS, "honest", "honest-zip"])
    assert snapshot(attacked["subs"]) == attacked["before"]


def test_printed_output_is_escaped_in_the_report(attacked):
    text = (attacked["out"] / "report.html").read_text(encoding="utf-8")
    assert "<script>alert" not in text


# ----------------------------------------------------------------------------
# Filesystem and signal attacks: need the kernel sandbox of strict isolation.

SANDBOX = pytest.mark.skipif(landlock.abi_version() < 6,
                             reason="needs Linux with Landlock ABI 6 (kernel 6.12+)")
PARENT_OF = '''
def parent_of(pid):
    with open(f"/proc/{{pid}}/stat") as stat:
        return int(stat.read().rsplit(")", 1)[1].split()[1])
'''


def attack_class(tmp_path, attack_code, then_the_solution=True):
    """A class of one attacker and two honest students, graded. The attacker's
    activations.py runs ``attack_code`` when imported and then (by default) is
    the correct solution: only a failing attack makes it score 0."""
    root = make_course(tmp_path / "course")
    subs = tmp_path / "submissions"
    out = tmp_path / "out"
    subs.mkdir()
    code = attack_code.format(subs=subs, out=out, root=root)
    if then_the_solution:
        code += "\n" + solution("activations")
    add_folder(subs, "aaron", full_class())
    add_folder(subs, "mallory", {"activations.py": code, "clipping.py": solution("clipping")})
    add_zip(subs, "zoe", full_class())
    before = snapshot(subs)
    done = grade(root, subs, out, "--jobs", "1", "--timeout", STUDENT_TIMEOUT)
    return subs, out, before, done


def assert_contained(course, subs, out, before, done):
    assert done.returncode == 0, f"exit {done.returncode}: {done.stdout}{done.stderr}"
    assert snapshot(subs) == before, "a submission was changed or deleted"
    rows = gradebook_rows(out)
    assert set(rows) == {"aaron", "mallory", "zoe"}
    full = {"activations": points(course, "activations"), "clipping": points(course, "clipping")}
    for student_id in ("aaron", "zoe"):
        assert rows[student_id]["status"] == "graded"
        assert scores(rows[student_id]) == pytest.approx(full)
    assert rows["mallory"]["status"] == "graded", rows["mallory"]["reason"]
    assert scores(rows["mallory"]) == pytest.approx({"activations": 0,
                                                     "clipping": full["clipping"]})
    remarks = Page((out / "report.html").read_text()).rows("students")["mallory"][-1]
    assert "importing activations.py" in remarks, remarks


@SANDBOX
def test_writing_outside_its_copy(tmp_path, course):
    subs, out, before, done = attack_class(tmp_path, '''
import os
with open("{subs}/aaron/activations.py", "a") as f:
    f.write("\\ndef sigmoid(x):\\n    return x\\n")
with open("{subs}/planted.txt", "w") as f:
    f.write("written by mallory")
os.makedirs("{out}/feedback", exist_ok=True)
with open("{out}/feedback/zoe.md", "w") as f:
    f.write("forged")
''')
    assert not (subs / "planted.txt").exists()
    assert_contained(course, subs, out, before, done)
    assert "forged" not in (out / "feedback" / "zoe.md").read_text()


@SANDBOX
def test_deleting_other_submissions(tmp_path, course):
    subs, out, before, done = attack_class(tmp_path, '''
import os, shutil
shutil.rmtree("{subs}/aaron", ignore_errors=True)
os.remove("{subs}/zoe.zip")
''')
    assert_contained(course, subs, out, before, done)


@SANDBOX
def test_deleting_the_gradebook(tmp_path, course):
    subs, out, before, done = attack_class(tmp_path, '''
import os
for name in ("gradebook.sqlite", "gradebook.sqlite-wal", "gradebook.sqlite-shm"):
    try:
        os.remove(os.path.join("{out}", name))
    except FileNotFoundError:
        pass
''')
    assert (out / "gradebook.sqlite").is_file()
    assert_contained(course, subs, out, before, done)


@SANDBOX
def test_killing_its_fork_server(tmp_path, course):
    subs, out, before, done = attack_class(tmp_path, '''
import os, signal
os.kill(os.getppid(), signal.SIGKILL)
''')
    assert_contained(course, subs, out, before, done)


@SANDBOX
def test_killing_the_judge_process_group(tmp_path, course):
    subs, out, before, done = attack_class(tmp_path, PARENT_OF + '''
import os, signal
judge = parent_of(os.getppid())
os.killpg(os.getpgid(judge), signal.SIGKILL)
''')
    assert_contained(course, subs, out, before, done)


@SANDBOX
def test_killing_the_parents_parent_and_the_orchestrator(tmp_path, course):
    subs, out, before, done = attack_class(tmp_path, PARENT_OF + '''
import os, signal
judge = parent_of(os.getppid())
orchestrator = parent_of(judge)
for pid in (orchestrator, judge):
    os.kill(pid, signal.SIGKILL)
''')
    assert done.returncode != -signal.SIGKILL, "the orchestrator was killed"
    assert_contained(course, subs, out, before, done)


@SANDBOX
def test_reading_the_solutions(tmp_path, course):
    subs, out, before, done = attack_class(tmp_path, '''
import numpy as np
exec(open("{root}/solutions/activations.py").read())
''', then_the_solution=False)
    assert_contained(course, subs, out, before, done)
