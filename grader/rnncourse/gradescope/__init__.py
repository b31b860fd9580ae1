"""The Gradescope autograder: the zip that `rnncourse gradescope build` writes
(build.py: setup.sh, run_autograder, a wheel of this rnncourse, the course's
files, pinned requirements), the grading of one submission inside Gradescope's
container (autograder.py, the entry point of run_autograder) and the build's
self-test (selftest.py).

The autograder grades with the judges and strict student processes of
`rnncourse grade` (grading/pool.py, grading/judge.py) and writes results.json
with the one builder of reports/gradescope.py. Every path lies under
$AUTOGRADER_ROOT (default /autograder), so the zip runs unchanged in a
temporary folder.

May import atomic, course, errors, grading, reports, results, sandbox and
untrusted; never cli/, click or rich.
"""
