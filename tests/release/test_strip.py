"""Hidden checks come out of the source, with everything only they use; public
checks stay exactly as written, and keep their points in the edition."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from helpers.course import ROOT
from helpers.edition import edition_env

from rnncourse.checking.scoring import scoring
from rnncourse.checking.spec import collect
from rnncourse.release.strip import strip_module, strip_package

MODULE = textwrap.dedent('''
    """Checks."""

    import numpy as np

    from lib import check, register, secret_draw, shared

    SCALE = 3.0
    LARGE = 60.0  # only the hidden check's


    @check("f.values")
    def test_values(student, reference, policy):
        shared(student, SCALE)


    # draws fresh cases
    @check("f.hidden", hidden=True)
    def test_hidden(student, reference, policy, rng):
        secret_draw(rng) * LARGE


    def _factory(name):
        def test(student, reference, policy, rng):
            return np.linalg.norm(rng.normal(size=3)) * LARGE
        return test


    test_g_hidden = check("g.hidden", weight=2, hidden=True)(_factory("g"))


    def builder(namespace):
        register(namespace, "h.values", shared)
        register(namespace, "h.hidden", _factory("h"), hidden=True)


    def _used_by_both():
        return SCALE


    register(globals(), "k.hidden", _used_by_both, hidden=True)
    register(globals(), "k.values", _used_by_both)
    del (_used_by_both, _factory)
''')


def test_hidden_checks_and_what_only_they_use_are_removed():
    stripped = strip_module(MODULE, "checks.example", exported=set())
    text = stripped.source
    for gone in ("hidden=True", "secret_draw", "LARGE", "_factory", "draws fresh cases",
                 "np.linalg"):
        assert gone not in text, gone
    for kept in ('@check("f.values")', 'register(namespace, "h.values", shared)',
                 'register(globals(), "k.values", _used_by_both)', "def _used_by_both",
                 "SCALE = 3.0", "from lib import check, register, shared",
                 "del _used_by_both\n"):
        assert kept in text, kept
    assert "import numpy as np" not in text  # only the hidden factory used it
    compile(text, "checks.example", "exec")


def test_a_name_another_module_imports_is_kept():
    stripped = strip_module(MODULE, "checks.example", exported={"_factory"})
    assert "def _factory(name):" in stripped.source
    assert "import numpy as np" in stripped.source


def test_the_packages_hidden_checks_all_go_and_nothing_public_changes():
    package = ROOT / "grader" / "rnncourse"
    sources = {}
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(package.parent).with_suffix("").parts
        sources[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path.read_text()
    stripped = strip_package(sources)
    assert {"rnncourse.checks.activations", "rnncourse.checks.clipping",
            "rnncourse.checks.gru", "rnncourse.checking.recurrent"} <= set(stripped)
    for name, module in stripped.items():
        assert "hidden=True" not in module.source or name.startswith(
            ("rnncourse.nbgrader", "rnncourse.release")), name  # there only in prose
    recurrent = stripped["rnncourse.checking.recurrent"].source
    for gone in ("def hidden_forward", "def hidden_backward", "def random_dims",
                 "def hidden_kinds"):
        assert gone not in recurrent
    for name, module in stripped.items():
        original = set(sources[name].splitlines())
        new = set(module.source.splitlines()) - original
        # lines are only removed; an import or a del losing names is written anew
        assert all(line.startswith(("from ", "import ", "del ")) for line in new), (name, new)


LIST_CHECKS = """
import json
from rnncourse.checking.scoring import scoring
from rnncourse.checking.spec import collect
from rnncourse.course import manifest
course = manifest.load()
print(json.dumps({e.id: [[s.id, s.function, s.weight, s.hidden, scoring(e).check(s)]
                         for s in collect(e)] for e in course.exercises}))
"""


def test_the_edition_has_every_public_check_in_order_with_its_points_and_no_hidden_one(
        course, released):
    listed = subprocess.run([sys.executable, "-c", LIST_CHECKS], cwd=released.out,
                            env=edition_env(released.out), capture_output=True, text=True,
                            timeout=120)
    assert listed.returncode == 0, listed.stderr
    edition = json.loads(listed.stdout)
    for exercise in course.exercises:
        rule = scoring(exercise)
        want = [[s.id, s.function, s.weight, False, rule.check(s)]
                for s in collect(exercise) if not s.hidden]
        assert edition[exercise.id] == want, exercise.id
