"""Class reports from the one result model: ``grades.csv`` and ``report.html``.

Both are built from a list of ``Row`` (one per student: a CourseResult, a quiz
score or None, a status), so `rnncourse grade` and `rnncourse nbgrader report`
write the same files. The HTML page is self-contained (inline CSS and SVG, no
scripts, no external assets) and escapes every string, since student ids,
exception messages and printed output all come from students.

The page is read at a glance: submissions handed in differently first; the
class mean over the students graded (invalid submissions left out), in percent
of the maximum without extra credit (so never above 100); the per-check table
folded by exercise (``<details>``: open on click, no script); text that wraps
rather than widening the page. tests/reports/test_report_layout.py holds these rules.
"""

from __future__ import annotations

import csv
import io
import statistics
from collections import Counter
from collections.abc import Sequence
from html import escape
from pathlib import Path

from rnncourse import atomic, untrusted
from rnncourse.course.manifest import Course
from rnncourse.results import CheckResult, Kind, Row, Status

BINS = 10
CSV_FILE = "grades.csv"
HTML_FILE = "report.html"


def _kind_label(kind: str) -> str:
    try:
        return Kind(kind).label
    except ValueError:
        return kind


def number(value: float | None) -> str:
    """Points for a file: 10, 2.5, 3.333333; empty for no value."""
    if value is None:
        return ""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def write(folder: Path, course: Course, rows: list[Row], notes: Sequence[str] = ()
          ) -> list[Path]:
    """Write grades.csv and report.html into ``folder``; return their paths."""
    csv_path, html_path = folder / CSV_FILE, folder / HTML_FILE
    atomic.write_text(csv_path, grades_csv(course, rows))
    atomic.write_text(html_path, report_html(course, rows, list(notes)))
    return [csv_path, html_path]


def grades_csv(course: Course, rows: list[Row]) -> str:
    """One row per student; ``notes`` says how the files were read when that was
    not the plain layout (a wrapping folder, a copy-suffixed name, nothing found)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student_id", *course.exercise_ids, "quiz", "score", "max_score", "status",
                     "notes"])
    for row in rows:
        cells = []
        for exercise_id in course.exercise_ids:
            exercise = row.exercise(exercise_id)
            cells.append(number(exercise.score) if exercise else ("0" if row.scored else ""))
        quiz = number(row.quiz.score) if row.quiz and row.scored else ""
        notes = _spreadsheet_safe(untrusted.line("; ".join(row.notes), untrusted.MAX_TEXT))
        writer.writerow([_spreadsheet_safe(untrusted.line(row.student_id)), *cells, quiz,
                         number(row.score()), number(row.max_score(course)), row.status,
                         notes])
    return buffer.getvalue()


def counted(rows: list[Row]) -> list[Row]:
    """The students the class's figures (mean, distribution) are over: those with
    a score from their own work, so neither invalid submissions nor the ungraded."""
    return [row for row in rows if row.scored and row.status != Status.INVALID]


def class_mean(course: Course, rows: list[Row]) -> float | None:
    """The mean percentage (without extra credit) of the counted students."""
    percents = [row.percent(course) or 0.0 for row in counted(rows)]
    return statistics.fmean(percents) if percents else None


def _safe(text: str) -> str:
    """Text that may hold a student's words, for the page: one line without
    control or bidi characters (rnncourse.untrusted), HTML-escaped."""
    return escape(untrusted.line(text, untrusted.MAX_TEXT))


def _spreadsheet_safe(text: str) -> str:
    """Keep spreadsheets from reading a cell as a formula (=, +, -, @ first)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


# ----------------------------------------------------------------------------
# report.html


def report_html(course: Course, rows: list[Row], notes: list[str]) -> str:
    scored = counted(rows)
    graded = [row for row in rows if row.result is not None and row.scored]
    statuses = Counter(row.status for row in rows)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        'style-src \'unsafe-inline\'">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(course.name)} — class report</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{escape(course.title)}</h1>",
        f'<p class="lead">Class report: {len(rows)} students — '
        + ", ".join(f"{count} {escape(status)}" for status, count in sorted(statuses.items()))
        + ".</p>",
    ]
    parts += _packaging(rows)
    parts += [f'<p class="note">{_safe(note)}</p>' for note in notes]
    parts += _summary(course, scored, rows)
    parts += _distribution(course, scored)
    parts += _exercise_table(course, graded)
    parts += _check_table(graded)
    parts += _misconceptions(course, graded)
    parts += _student_table(course, rows)
    parts.append("</body></html>\n")
    return "\n".join(parts)


def _percent(row: Row, course: Course) -> float:
    return row.percent(course) or 0.0


def _packaging(rows: list[Row]) -> list[str]:
    """First on the page: the submissions whose files were not where, or not named
    as, grading expects (taken by a loose match, or not found at all)."""
    flagged = [row for row in rows if row.notes]
    if not flagged:
        return []
    lines = ['<section id="packaging" class="flag"><h2>Handed in differently</h2>',
             f"<p>{len(flagged)} submission(s) did not hold the exercise files as expected. "
             "What was taken by a loose match is graded and named here, in the notes column "
             "of grades.csv and in the student's feedback; what was not found scores 0.</p>"
             "<ul>"]
    for row in flagged:
        lines.append(f'<li data-student="{escape(untrusted.line(row.student_id))}">'
                     f"<strong>{_safe(row.student_id)}</strong>: "
                     + "; ".join(_safe(note) for note in row.notes) + "</li>")
    lines.append("</ul></section>")
    return lines


def _summary(course: Course, scored: list[Row], rows: list[Row]) -> list[str]:
    if not scored:
        return ["<p>No student has a score yet.</p>"]
    percents = [_percent(row, course) for row in scored]
    mean = class_mean(course, rows) or 0.0
    left_out = sum(1 for row in rows if row.status == Status.INVALID)
    extra = [row for row in scored if row.extra_credit() > 0]
    parts = [
        '<section id="summary"><h2>Scores</h2><p>',
        f'Mean <span id="mean">{mean:.1f}%</span> · median {statistics.median(percents):.1f}% · '
        f"lowest {min(percents):.1f}% · highest {max(percents):.1f}% "
        f"(of {len(scored)} students graded"
        + (f"; {left_out} invalid submission(s) left out" if left_out else "")
        + "). Percentages are of the maximum without extra credit.</p>"]
    if extra:
        points = statistics.fmean(row.extra_credit() for row in extra)
        parts.append(f'<p id="extra-credit">Extra credit (optional exercises): {len(extra)} '
                     f"student(s) earned some, {number(round(points, 2))} points on average; "
                     "it is in their score, not in the percentages.</p>")
    parts.append("</section>")
    return parts


def _distribution(course: Course, scored: list[Row]) -> list[str]:
    """The score distribution as an inline SVG bar chart of percentages. The axis
    is labelled at the bins' edges (0, 10, ... 100), one label per edge."""
    counts = [0] * BINS
    for row in scored:
        counts[min(int(_percent(row, course) // (100 / BINS)), BINS - 1)] += 1
    width, height, left, bottom, top = 640, 260, 40, 40, 20
    bar = (width - left - 20) / BINS
    tallest = max(counts) or 1
    plot = height - bottom - top
    svg = [f'<svg id="distribution" xmlns="http://www.w3.org/2000/svg" width="{width}" '
           f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
           f'aria-label="Number of students by score, in steps of {100 // BINS}%">',
           f'<line x1="{left}" y1="{height - bottom}" x2="{left + BINS * bar:.1f}" '
           f'y2="{height - bottom}" class="axis"/>']
    for index, count in enumerate(counts):
        low, high = index * 100 // BINS, (index + 1) * 100 // BINS
        bin_label = f"{low}–{high}%"
        h = plot * count / tallest
        x = left + index * bar
        y = height - bottom - h
        svg.append(f'<rect class="bar" data-bin="{low}-{high}" data-count="{count}" '
                   f'x="{x + 3:.1f}" y="{y:.1f}" width="{bar - 6:.1f}" height="{h:.1f}">'
                   f"<title>{bin_label}: {count} students</title></rect>")
        svg.append(f'<text x="{x + bar / 2:.1f}" y="{y - 4:.1f}" class="count">{count}</text>')
    for index in range(BINS + 1):
        svg.append(f'<text x="{left + index * bar:.1f}" y="{height - bottom + 16}" '
                   f'class="tick">{index * 100 // BINS}</text>')
    svg.append(f'<text x="{left + BINS * bar / 2:.0f}" y="{height - 6}" class="label">'
               "score (% of the maximum, without extra credit)</text></svg>")
    return ['<section><h2>Score distribution</h2>', *svg, "</section>"]


def _exercise_table(course: Course, graded: list[Row]) -> list[str]:
    lines = ['<section><h2>Exercises</h2><table id="exercises"><thead><tr>',
             "<th>exercise</th><th>title</th><th>points</th><th>mean</th><th>full marks</th>"
             "<th>checks passed</th></tr></thead><tbody>"]
    for exercise in course.exercises:
        results = [r for r in (row.exercise(exercise.id) for row in graded) if r is not None]
        checks = [check for result in results for check in result.checks]
        mean = statistics.fmean(r.score for r in results) if results else 0.0
        full = sum(1 for r in results if r.passed)
        passed = sum(1 for check in checks if check.passed)
        optional = ' <span class="tag">optional: extra credit</span>' if exercise.optional else ""
        lines.append(
            f"<tr><td><code>{escape(exercise.id)}</code></td><td>{escape(exercise.title)}"
            f'{optional}</td><td class="num">{number(exercise.points)}</td>'
            f'<td class="num">{mean:.2f}</td>'
            f"{_rate_cells(full, len(results))}{_rate_cells(passed, len(checks))}</tr>")
    lines.append("</tbody></table></section>")
    return lines


def _rate_cells(passed: int, total: int) -> str:
    rate = 100.0 * passed / total if total else 0.0
    return (f'<td class="rate"><span class="meter"><span style="width:{rate:.0f}%"></span>'
            f"</span> {rate:.0f}% <small>({passed}/{total})</small></td>")


def _check_table(graded: list[Row]) -> list[str]:
    """Pass rates per check, folded by exercise: each exercise one line (its checks,
    how many of them every student passed, the weakest check) that opens, on click,
    into its table of checks."""
    by_exercise: dict[str, dict[str, list[CheckResult]]] = {}
    for row in graded:
        if row.result is None:  # never, in graded rows
            continue
        for exercise in row.result.exercises:
            checks = by_exercise.setdefault(exercise.id, {})
            for check in exercise.checks:
                checks.setdefault(check.id, []).append(check)
    lines = ['<section id="checks"><h2>Checks</h2>',
             "<p>One line per exercise; open it for the pass rate of each of its checks.</p>"]
    for exercise_id, checks in by_exercise.items():
        rates = {check_id: sum(c.passed for c in results) / len(results)
                 for check_id, results in checks.items()}
        weakest = min(rates, key=lambda check_id: rates[check_id])
        passed = sum(c.passed for results in checks.values() for c in results)
        total = sum(len(results) for results in checks.values())
        summary = (f"<code>{escape(exercise_id)}</code> — {len(checks)} checks, "
                   f"{100.0 * passed / total:.0f}% passed"
                   + (f"; weakest <code>{escape(weakest)}</code> {100 * rates[weakest]:.0f}%"
                      if rates[weakest] < 1 else ""))
        lines += [f'<details data-exercise="{escape(exercise_id)}"><summary>{summary}</summary>',
                  f'<table id="checks-{escape(exercise_id)}" class="checks"><thead><tr>'
                  "<th>check</th><th>points</th><th>passed</th>"
                  "<th>how the others failed</th></tr></thead><tbody>"]
        for check_id, results in checks.items():
            first = results[0]
            passed = sum(1 for check in results if check.passed)
            failures = Counter(_kind_label(check.kind) for check in results if not check.passed)
            how = ", ".join(f"{escape(kind)} {count}" for kind, count in failures.most_common())
            hidden = ' <span class="tag">hidden</span>' if first.hidden else ""
            lines.append(
                f'<tr data-check="{escape(check_id)}"><td><code>{escape(check_id)}</code>'
                f'{hidden}</td><td class="num">{number(first.max_points)}</td>'
                f"{_rate_cells(passed, len(results))}<td>{how}</td></tr>")
        lines.append("</tbody></table></details>")
    lines.append("</section>")
    return lines


def _misconceptions(course: Course, graded: list[Row]) -> list[str]:
    students: Counter = Counter()
    checks: dict[str, set] = {}
    for row in graded:
        if row.result is None:  # never, in graded rows
            continue
        seen = set()
        for exercise in row.result.exercises:
            for check in exercise.checks:
                if check.misconception:
                    seen.add(check.misconception)
                    checks.setdefault(check.misconception, set()).add(check.id)
        students.update(seen)
    lines = ['<section><h2>Most frequent misconceptions</h2>']
    if not students:
        lines.append("<p>No check recognised a named misconception in this class.</p></section>")
        return lines
    lines.append('<table id="misconceptions"><thead><tr><th>students</th><th>misconception</th>'
                 "<th>notes to revisit</th><th>seen in</th></tr></thead><tbody>")
    for misconception_id, count in students.most_common(10):
        known = course.misconceptions.get(misconception_id)
        title = known.title if known else misconception_id
        notes = (f"<code>rnncourse notes {escape(known.notes)}</code>" if known else "")
        hint = f'<p class="hint">{escape(known.hint)}</p>' if known else ""
        share = 100.0 * count / len(graded)
        lines.append(
            f'<tr data-misconception="{escape(misconception_id)}"><td class="num">{count} '
            f"<small>({share:.0f}%)</small></td><td><strong>{escape(title)}</strong> "
            f"<small><code>{escape(misconception_id)}</code></small>{hint}</td>"
            f"<td>{notes}</td><td>"
            + ", ".join(f"<code>{escape(c)}</code>" for c in sorted(checks[misconception_id]))
            + "</td></tr>")
    lines.append("</tbody></table></section>")
    return lines


def _student_table(course: Course, rows: list[Row]) -> list[str]:
    # an id may break after its underscores (lstm_<wbr>variants): the table fits the page
    head = "".join(f'<th class="exercise">{escape(exercise_id).replace("_", "_<wbr>")}</th>'
                   for exercise_id in course.exercise_ids)
    lines = ['<section><h2>Students</h2><table id="students"><thead><tr><th>student</th>',
             f"{head}<th>quiz</th><th>score</th><th>%</th><th>status</th><th>remarks</th>"
             "</tr></thead><tbody>"]
    for row in rows:
        cells = []
        for exercise_id in course.exercise_ids:
            exercise = row.exercise(exercise_id)
            cells.append(f'<td class="num">{number(exercise.score) if exercise else ""}</td>')
        quiz = number(row.quiz.score) if row.quiz and row.scored else ""
        score = row.score()
        percent = f"{_percent(row, course):.0f}" if score is not None else ""
        extra = row.extra_credit()
        score_cell = f"{number(score)} / {number(row.max_score(course))}"
        if extra:
            score_cell += f'<br><small class="extra">incl. +{number(extra)} extra</small>'
        flag = ' <span class="tag flag" title="handed in differently: see the notes">' \
               "notes</span>" if row.notes else ""
        lines.append(
            f'<tr class="{escape(row.status)}"><td class="student">{_safe(row.student_id)}'
            f'{flag}</td>{"".join(cells)}<td class="num">{quiz}</td>'
            f'<td class="num">{score_cell}</td>'
            f'<td class="num">{percent}</td><td>{escape(row.status)}</td>'
            f'<td class="remarks">{_safe(row.remarks())}</td></tr>')
    lines.append("</tbody></table></section>")
    return lines


_CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em auto;max-width:72em;
padding:0 1em;color:#1d2430;overflow-wrap:break-word}
h1{font-size:1.5em}h2{margin-top:2em;border-bottom:1px solid #d8dde6;padding-bottom:.2em}
.lead{font-size:1.1em}.note{background:#fff6dd;border-left:4px solid #e0b400;padding:.4em .8em}
.flag{background:#fff6dd;border-left:4px solid #e0b400;padding:.2em .8em .4em}
.flag h2{margin-top:.4em;border:none}
table{border-collapse:collapse;width:100%;margin:.5em 0}
th,td{border-bottom:1px solid #e3e7ee;padding:.35em .5em;text-align:left;vertical-align:top}
th{background:#f3f5f9}td.num{text-align:right;white-space:nowrap}
td.rate{white-space:nowrap}
#students{font-size:.9em}
#students td.student{overflow-wrap:anywhere;min-width:7em}
td.remarks{color:#445;min-width:12em;overflow-wrap:anywhere;white-space:normal}
.extra{color:#3c6d4a}
.meter{display:inline-block;width:6em;height:.7em;background:#e6e9ef;border-radius:3px;
vertical-align:middle}.meter span{display:block;height:100%;background:#3c8d5a;border-radius:3px}
.tag{font-size:.75em;background:#eef;border:1px solid #ccd;border-radius:3px;padding:0 .3em;
white-space:nowrap}.tag.flag{background:#fff0c2;border-color:#e0b400}
.hint{margin:.3em 0 0;font-size:.9em;color:#445}
details{border:1px solid #e3e7ee;border-radius:4px;margin:.4em 0;padding:.3em .6em}
details[open]{padding-bottom:.6em}summary{cursor:pointer}
tr.invalid td,tr.error td{background:#fdeeee}tr.timeout td,tr.pending td{background:#fff8e6}
svg{max-width:100%;height:auto}
svg .bar{fill:#4a7fc1}svg .axis{stroke:#889}svg text{font-size:12px;fill:#333;text-anchor:middle}
"""
