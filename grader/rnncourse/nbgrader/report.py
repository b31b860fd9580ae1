"""Class reports from an nbgrader course: the same grades.csv and report.html as
`rnncourse grade`, built from the same result model.

Which students submitted comes from nbgrader's gradebook; what each check did
comes from the autograded notebooks, where every test cell attached its check
results as JSON (rnncourse.notebook.MIMETYPE). nbgrader's own notebook scores
are compared with the checks' and any difference (a manual grade in
formgrader, say) is reported, not hidden.

The report covers the exercises the assignment holds, as nbgrader's gradebook
lists its notebooks: an exercise left out of it (the optional one, after
`rnncourse nbgrader init` without --optional) is no column and nobody's
"not submitted".
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from rnncourse.checking import engine
from rnncourse.course.manifest import Course, Exercise
from rnncourse.errors import CourseError
from rnncourse.nbgrader.cells import MIMETYPE
from rnncourse.results import CheckResult, CourseResult, ExerciseResult, Row


def rows(course: Course, course_dir: Path, assignment: str
         ) -> tuple[list[Row], list[str], Course]:
    """One Row per student in nbgrader's gradebook, notes for the report, and the
    course as the assignment holds it (only its exercises): what to report with."""
    try:
        from nbgrader.api import Gradebook, MissingEntry
    except ImportError:
        raise CourseError('nbgrader is not installed: pip install -e ".[nbgrader]"') from None
    database = Path(course_dir) / "gradebook.db"
    if not database.is_file():
        raise CourseError(f"{database}: no nbgrader gradebook here (run nbgrader "
                          "generate_assignment and autograde in that folder first)")
    found: list[Row] = []
    notes: list[str] = []
    with Gradebook(f"sqlite:///{database}") as gradebook:
        try:
            found_assignment = gradebook.find_assignment(assignment)
        except MissingEntry:
            known = ", ".join(str(a.name) for a in gradebook.assignments) or "none"
            raise CourseError(f"no assignment '{assignment}' in {database} "
                              f"(assignments: {known})") from None
        course, other = _of_assignment(course, {str(notebook.name) for notebook
                                                in found_assignment.notebooks})
        if other:
            notes.append(f"the assignment's notebooks {', '.join(other)} are no exercise of "
                         "this course and are left out of the report")
        for student in sorted(gradebook.students, key=lambda s: s.id):
            # nbgrader's models declare untyped columns; on an instance, a column is its value
            student_id = str(student.id)
            try:
                submission = gradebook.find_submission(assignment, student_id)
            except MissingEntry:
                found.append(Row(student_id, None, status="pending",
                                 reason="no submission autograded yet"))
                continue
            scores = {notebook.name: notebook.score for notebook in submission.notebooks}
            folder = Path(course_dir) / "autograded" / student_id / assignment
            result = CourseResult([_exercise(exercise, folder / f"{exercise.id}.ipynb")
                                   for exercise in course.exercises], hidden_included=True)
            for exercise in result.exercises:
                theirs = scores.get(exercise.id)
                if theirs is not None and abs(theirs - exercise.score) > 1e-6:
                    notes.append(f"{student_id}/{exercise.id}: nbgrader's score is "
                                 f"{theirs:g}, the checks' {exercise.score:g} (a manual "
                                 "grade?); the report shows the checks'")
            found.append(Row(student_id, result, status="graded"))
    return found, notes, course


def _of_assignment(course: Course, notebooks: set[str]) -> tuple[Course, list[str]]:
    """The course with only the exercises that are notebooks of the assignment,
    and the notebooks that are no exercise of it."""
    exercises = tuple(exercise for exercise in course.exercises if exercise.id in notebooks)
    if not exercises:
        raise CourseError(f"the assignment holds no notebook of this course's exercises "
                          f"(its notebooks: {', '.join(sorted(notebooks)) or 'none'}; "
                          f"exercises: {', '.join(course.exercise_ids)})")
    return dataclasses.replace(course, exercises=exercises), sorted(
        notebooks - {exercise.id for exercise in exercises})


def _exercise(exercise: Exercise, notebook: Path) -> ExerciseResult:
    """The exercise's check results from its autograded notebook; checks whose
    results are not there (a cell that never ran) fail with a reason."""
    try:
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    except FileNotFoundError:
        return engine.missing_result(exercise, f"{notebook.name} was not submitted")
    except (OSError, ValueError, KeyError) as error:
        return engine.missing_result(exercise, f"{notebook.name} could not be read ({error})")
    reported: dict[str, CheckResult] = {}
    for cell in cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")
        function = grade_id.removesuffix("-tests")
        if not grade_id.endswith("-tests") or function not in exercise.functions:
            continue
        # the last attachment of the function's own test cell: rnncourse writes it
        # after all student code in the cell has run
        attached = [output["data"][MIMETYPE] for output in cell.get("outputs", [])
                    if isinstance(output.get("data", {}).get(MIMETYPE), dict)]
        for item in (attached[-1].get("checks", []) if attached else []):
            check = CheckResult.from_dict(item)
            if check.function == function:
                reported[check.id] = check
    missing = engine.missing_result(exercise, "its test cell did not run in the notebook")
    result = ExerciseResult(exercise.id, exercise.title, missing.max_score, notes=exercise.notes,
                            optional=exercise.optional)
    result.checks = [reported.get(check.id, check) for check in missing.checks]
    return result
