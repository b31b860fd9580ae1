"""Class reports from the one result model: ``grades.csv`` and ``report.html``.

Both are built from a list of ``Row`` (one per student: a CourseResult, a quiz
score or None, a status), so `rnncourse grade` and `rnncourse nbgrader report`
write the same files. The HTML page is self-contained (inline CSS and SVG, no
scripts, no external assets) and escapes every string, since student ids,
exception messages and printed output all come from students.
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
from rnncourse.results import CheckResult, Kind, Row

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
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student_id", *course.exercise_ids, "quiz", "score", "max_score", "status"])
    for row in rows:
        cells = []
        for exercise_id in course.exercise_ids:
            exercise = row.exercise(exercise_id)
            cells.append(number(exercise.score) if exercise else ("0" if row.scored else ""))
        quiz = number(row.quiz.score) if row.quiz and row.scored else ""
        writer.writerow([_spreadsheet_safe(untrusted.line(row.student_id)), *cells, quiz,
                         number(row.score()), number(row.max_score(course)), row.status])
    return buffer.getvalue()


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
    scored = [row for row in rows if row.scored]
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
    parts += [f'<p class="note">{_safe(note)}</p>' for note in notes]
    parts += _summary(course, scored)
    parts += _distribution(course, scored)
    parts += _exercise_table(course, graded)
    parts += _check_table(graded)
    parts += _misconceptions(course, graded)
    parts += _student_table(course, rows)
    parts.append("</body></html>\n")
    return "\n".join(parts)


def _percent(row: Row, course: Course) -> float:
    maximum = row.max_score(course)
    return 100.0 * (row.score() or 0.0) / maximum if maximum else 0.0


def _summary(course: Course, scored: list[Row]) -> list[str]:
    if not scored:
        return ["<p>No student has a score yet.</p>"]
    percents = [_percent(row, course) for row in scored]
    return [
        '<section id="summary"><h2>Scores</h2><p>',
        f"Mean {statistics.fmean(percents):.1f}% · median {statistics.median(percents):.1f}% · "
        f"lowest {min(percents):.1f}% · highest {max(percents):.1f}% "
        f"(of {len(scored)} students with a score).</p></section>",
    ]


def _distribution(course: Course, scored: list[Row]) -> list[str]:
    """The score distribution as an inline SVG bar chart of percentages."""
    counts = [0] * BINS
    for row in scored:
        counts[min(int(_percent(row, course) // (100 / BINS)), BINS - 1)] += 1
    width, height, left, bottom, top = 640, 260, 40, 40, 20
    bar = (width - left - 10) / BINS
    tallest = max(counts) or 1
    plot = height - bottom - top
    svg = [f'<svg id="distribution" xmlns="http://www.w3.org/2000/svg" width="{width}" '
           f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
           f'aria-label="Number of students by score, in steps of {100 // BINS}%">',
           f'<line x1="{left}" y1="{height - bottom}" x2="{width - 10}" '
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
        svg.append(f'<text x="{x + bar / 2:.1f}" y="{height - bottom + 16}" '
                   f'class="tick">{low}</text>')
    svg.append(f'<text x="{width - 10}" y="{height - bottom + 16}" class="tick end">100</text>')
    svg.append(f'<text x="{left + (width - left) / 2:.0f}" y="{height - 6}" class="tick">'
               "score (% of the maximum)</text></svg>")
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
        lines.append(
            f"<tr><td><code>{escape(exercise.id)}</code></td><td>{escape(exercise.title)}</td>"
            f'<td class="num">{number(exercise.points)}</td><td class="num">{mean:.2f}</td>'
            f"{_rate_cells(full, len(results))}{_rate_cells(passed, len(checks))}</tr>")
    lines.append("</tbody></table></section>")
    return lines


def _rate_cells(passed: int, total: int) -> str:
    rate = 100.0 * passed / total if total else 0.0
    return (f'<td class="rate"><span class="meter"><span style="width:{rate:.0f}%"></span>'
            f"</span> {rate:.0f}% <small>({passed}/{total})</small></td>")


def _check_table(graded: list[Row]) -> list[str]:
    order: dict[str, tuple[str, CheckResult]] = {}
    outcomes: dict[str, list[CheckResult]] = {}
    for row in graded:
        if row.result is None:  # never, in graded rows
            continue
        for exercise in row.result.exercises:
            for check in exercise.checks:
                order.setdefault(check.id, (exercise.id, check))
                outcomes.setdefault(check.id, []).append(check)
    lines = ['<section><h2>Checks</h2><table id="checks"><thead><tr>',
             "<th>exercise</th><th>check</th><th>points</th><th>passed</th>"
             "<th>how the others failed</th></tr></thead><tbody>"]
    for check_id, (exercise_id, first) in order.items():
        results = outcomes[check_id]
        passed = sum(1 for check in results if check.passed)
        failures = Counter(_kind_label(check.kind) for check in results
                           if not check.passed)
        how = ", ".join(f"{escape(kind)} {count}" for kind, count in failures.most_common())
        hidden = ' <span class="tag">hidden</span>' if first.hidden else ""
        lines.append(
            f'<tr data-check="{escape(check_id)}"><td><code>{escape(exercise_id)}</code></td>'
            f"<td><code>{escape(check_id)}</code>{hidden}</td>"
            f'<td class="num">{number(first.max_points)}</td>'
            f"{_rate_cells(passed, len(results))}<td>{how}</td></tr>")
    lines.append("</tbody></table></section>")
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
    head = "".join(f"<th>{escape(exercise_id)}</th>" for exercise_id in course.exercise_ids)
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
        lines.append(
            f'<tr class="{escape(row.status)}"><td>{_safe(row.student_id)}</td>{"".join(cells)}'
            f'<td class="num">{quiz}</td>'
            f'<td class="num">{number(score)} / {number(row.max_score(course))}</td>'
            f'<td class="num">{percent}</td><td>{escape(row.status)}</td>'
            f'<td class="remarks">{_safe(row.remarks())}</td></tr>')
    lines.append("</tbody></table></section>")
    return lines


_CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em auto;max-width:72em;
padding:0 1em;color:#1d2430}
h1{font-size:1.5em}h2{margin-top:2em;border-bottom:1px solid #d8dde6;padding-bottom:.2em}
.lead{font-size:1.1em}.note{background:#fff6dd;border-left:4px solid #e0b400;padding:.4em .8em}
table{border-collapse:collapse;width:100%;margin:.5em 0}
th,td{border-bottom:1px solid #e3e7ee;padding:.35em .5em;text-align:left;vertical-align:top}
th{background:#f3f5f9}td.num{text-align:right;white-space:nowrap}
td.rate{white-space:nowrap}td.remarks{font-size:.9em;color:#445}
.meter{display:inline-block;width:6em;height:.7em;background:#e6e9ef;border-radius:3px;
vertical-align:middle}.meter span{display:block;height:100%;background:#3c8d5a;border-radius:3px}
.tag{font-size:.75em;background:#eef;border:1px solid #ccd;border-radius:3px;padding:0 .3em}
.hint{margin:.3em 0 0;font-size:.9em;color:#445}
tr.invalid td,tr.error td{background:#fdeeee}tr.timeout td,tr.pending td{background:#fff8e6}
svg .bar{fill:#4a7fc1}svg .axis{stroke:#889}svg text{font-size:12px;fill:#333;text-anchor:middle}
svg text.end{text-anchor:end}
"""
