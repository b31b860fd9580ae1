"""``feedback/<student_id>.md``: what a student sees after class grading.

Every check's result, message and hint. Hidden checks show one line of the
engine-written message (CheckResult.feedback_message): no output printed by
the student's code during them and no exception message of the student's (it
could echo the hidden inputs), nothing else about their cases. Student text
is made safe (rnncourse.untrusted) and inert Markdown.
"""

from __future__ import annotations

from rnncourse import untrusted
from rnncourse.course.manifest import Course
from rnncourse.reports.classreport import number
from rnncourse.reports.markdown import fenced as _fenced
from rnncourse.reports.markdown import inert as _md
from rnncourse.reports.quizfeedback import quiz_feedback
from rnncourse.results import CheckResult, ExerciseResult, Row


def feedback_markdown(course: Course, row: Row) -> str:
    score, maximum = row.score(), row.max_score(course)
    lines = [f"# {_md(course.name)}: feedback for {_md(row.student_id)}", ""]
    lines.append(f"**Score: {number(score)} / {number(maximum)}**"
                 + (f" (graded {row.graded_at})" if row.graded_at else ""))
    lines.append("")
    if row.notes:  # how the files were read, when not as expected (grading/matching.py)
        lines += ["How your files were read (hand them in as the course's exercise files, "
                  "at the top of your submission, to avoid this):", ""]
        lines += [f"- {_md(note)}" for note in row.notes] + [""]
    if row.result is None:
        lines += [f"Your submission could not be graded: {_md(row.reason)}", ""]
    else:
        if row.status == "timeout":
            lines += [f"Grading stopped early: {_md(row.reason)}", ""]
        if any(check.hidden for exercise in row.result.exercises for check in exercise.checks):
            lines += ["Checks marked *hidden* use fresh cases that are not shown; "
                      "the public ones are the ones `rnncourse check` runs.", ""]
        for exercise in row.result.exercises:
            lines += _exercise_feedback(course, exercise)
    if row.quiz is not None:
        lines += quiz_feedback(course, row.quiz)
    return "\n".join(lines).rstrip() + "\n"


def _exercise_feedback(course: Course, exercise: ExerciseResult) -> list[str]:
    lines = [f"## {_md(exercise.id)}: {_md(exercise.title)} — "
             f"{number(exercise.score)} / {number(exercise.max_score)}", ""]
    if exercise.not_handed_in:  # one line, not one per check that could not run
        optional = " It is optional (extra credit)." if exercise.optional else ""
        return lines + [f"{_md(exercise.problem or 'not handed in')}: none of its "
                        f"{len(exercise.checks)} checks could run.{optional}", ""]
    if exercise.problem:
        lines += [_md(exercise.problem), ""]
    for check in exercise.checks:
        mark = "✓" if check.passed else "✗"
        hidden = " (hidden check)" if check.hidden else ""
        lines.append(f"- {mark} `{check.id}`{hidden}: "
                     f"{number(check.points)} / {number(check.max_points)}")
        if check.passed:
            continue
        if check.message and check.message != exercise.problem:
            lines.append(f"  {_md(check.feedback_message())}")
        for label, text in details(course, check):  # course texts: Markdown is meant
            shown = f"`{text}`" if label == "Read" else " ".join(text.split())
            lines.append(f"  - {label}: {shown}")
        if printed(check):
            lines += ["  - Your code printed:", *_fenced(printed(check), "    ")]
    lines.append("")
    return lines


def details(course: Course, check: CheckResult) -> list[tuple[str, str]]:
    """What a failing check tells the student beyond its message: texts of the
    course and its checks, never of the student."""
    details = []
    if check.misconception:
        details.append(("Misconception", _misconception(course, check.misconception)))
    if check.hint:
        details.append(("Hint", check.hint))
    if check.notes and (check.misconception or check.hint):
        details.append(("Read", f"rnncourse notes {check.notes}"))
    return details


def printed(check: CheckResult) -> str:
    """What the student's code printed during a check; never for a hidden check,
    whose inputs the code could have printed."""
    return "" if check.hidden else untrusted.text(check.output)


def _misconception(course: Course, misconception_id: str) -> str:
    known = course.misconceptions.get(misconception_id)
    return f"{known.title} ({misconception_id})" if known else misconception_id
