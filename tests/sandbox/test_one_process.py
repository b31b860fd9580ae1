"""Class grading takes a student's files in turn through one student process (the
public checks of every file, then the hidden ones), and moves the next file to
a fresh process as soon as an earlier one changed the state they all share:
each exercise is still judged on its own file."""

import textwrap

import pytest
from helpers.course import ROOT

from rnncourse.checking import engine
from rnncourse.sandbox import forkserver, landlock

pytestmark = pytest.mark.skipif(landlock.abi_version() < 1,
                                reason="strict isolation needs Landlock")

EXERCISES = ("activations", "clipping")


@pytest.fixture
def forks(monkeypatch):
    """The files each new student process was started for, in order."""
    started = []
    real = forkserver.ForkServer.fork

    def counting(self, **request):
        started.append(request["path"].rsplit("/", 1)[-1])
        return real(self, **request)

    monkeypatch.setattr(forkserver.ForkServer, "fork", counting)
    return started


def grade(course, folder, files):
    for name, code in files.items():
        (folder / name).write_text(textwrap.dedent(code), encoding="utf-8")
    folder.chmod(0o755)
    result = engine.run(course, course.select(list(EXERCISES)), folder, include_hidden=True,
                        workdir=folder, isolation="strict", parallel=1, one_process=True)
    return {exercise.id: exercise for exercise in result.exercises}


def solution(exercise, extra=""):
    return (ROOT / "solutions" / f"{exercise}.py").read_text() + textwrap.dedent(extra)


def test_files_that_leave_things_as_they_were_share_one_process(course, tmp_path, forks):
    graded = grade(course, tmp_path, {"activations.py": solution("activations"),
                                      "clipping.py": solution("clipping")})
    assert forks == ["activations.py"]
    assert all(exercise.score == exercise.max_score for exercise in graded.values())


def test_a_missing_or_broken_file_in_between_changes_nothing(course, tmp_path, forks):
    graded = grade(course, tmp_path, {"clipping.py": solution("clipping")})
    assert forks == ["clipping.py"] and graded["clipping"].score == graded["clipping"].max_score
    assert graded["activations"].score == 0


# What activations.py does, and whether it leaves shared state changed behind.
CHANGES = {
    "patches numpy": "np.clip = lambda *a, **k: 0.0\nnp.sqrt = lambda x: 0 * x\n",
    "patches a builtin": "import builtins\nbuiltins.sum = lambda *a, **k: 0\n",
    "patches a builtin through __builtins__": "vars(__builtins__)['min'] = lambda *a: 0\n",
    "swaps a module": "import sys, types\nsys.modules['numpy'] = types.ModuleType('numpy')\n",
    "imports another module": "import fractions\n",
    "moves away": "import os\nos.chdir('/')\n",
    "edits sys.path": "import sys\nsys.path.insert(0, '/nowhere')\n",
    "lowers the recursion limit": "import sys\nsys.setrecursionlimit(60)\n",
    "sets an alarm": "import signal\nsignal.setitimer(signal.ITIMER_REAL, 30.0)\n",
    "changes the environment": "import os\nos.environ['OMP_NUM_THREADS'] = '64'\n",
    "sets a trace function": "import sys\nsys.settrace(lambda *a: None)\n",
    "lowers a resource limit": "import resource\n"
                               "resource.setrlimit(resource.RLIMIT_CPU, (600, 600))\n",
    "leaves files open": "kept = [open(__file__) for _ in range(3)]\n",
    "holds on to memory": "hoard = np.ones(80 * 2 ** 20)  # 640 MB, a quarter of the cap\n",
    "catches a signal": "import signal\nsignal.signal(signal.SIGTERM, lambda *a: None)\n",
    "patches numpy in a call": """
        _sigmoid = sigmoid

        def sigmoid(x):
            np.sqrt = lambda x: 0 * x
            return _sigmoid(x)
        """,
}


@pytest.mark.parametrize("what", CHANGES)
def test_a_file_that_changes_shared_state_sends_the_next_to_a_fresh_process(
        course, tmp_path, forks, what):
    graded = grade(course, tmp_path, {"activations.py": solution("activations", CHANGES[what]),
                                      "clipping.py": solution("clipping")})
    # twice: the public checks of both files go first, then the hidden ones
    assert forks == ["activations.py", "clipping.py", "clipping.py"]
    assert graded["clipping"].score == graded["clipping"].max_score, {
        c.id: c.message for c in graded["clipping"].checks if not c.passed}


def test_warning_filters_are_put_back_rather_than_counted(course, tmp_path, forks):
    graded = grade(course, tmp_path, {
        "activations.py": solution("activations", "import warnings\n"
                                                  "warnings.simplefilter('error')\n"),
        "clipping.py": solution("clipping", """
            _clip = clip_by_global_norm

            def clip_by_global_norm(grads, max_norm):
                import warnings
                warnings.warn("still fine")  # an error if the filter above had stayed
                return _clip(grads, max_norm)
            """)})
    assert forks == ["activations.py"]
    assert graded["clipping"].score == graded["clipping"].max_score


def test_a_file_that_kills_its_process_only_costs_its_own_checks(course, tmp_path, forks):
    graded = grade(course, tmp_path, {
        "activations.py": solution("activations", """
            import os

            def sigmoid(x):
                os._exit(0)
            """),
        "clipping.py": solution("clipping")})
    assert forks[0] == "activations.py"
    assert graded["clipping"].score == graded["clipping"].max_score
    assert 0 < graded["activations"].score < graded["activations"].max_score


def test_class_grading_takes_a_correct_submission_through_one_process(course, tmp_path, forks):
    from rnncourse.grading import judge, quizzes

    (tmp_path / "scratch").mkdir()
    quiz, _ = quizzes.load(course)
    reply = judge.grade(course, quiz, {"student_id": "s", "source": str(ROOT / "solutions"),
                                       "label": "s", "timeout": 60}, tmp_path / "scratch")
    assert reply.status == "graded"
    assert all(e["score"] == e["max_score"] for e in reply.result["exercises"])
    assert forks == ["activations.py"]
