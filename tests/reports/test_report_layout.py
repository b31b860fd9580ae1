"""report.html reads at a glance: its layout rules, checked with an HTML parser
(always) and in a real headless browser (where chromium is installed).

The rules: what was handed in differently comes first; the class mean leaves
out invalid submissions and extra credit (never above 100%); the checks are
folded by exercise in <details> (no script); the remarks and long student ids
wrap, so that no table is wider than the page; the histogram's labels sit one
per bin edge and never touch."""

from __future__ import annotations

import re
import statistics
from html.parser import HTMLParser

import pytest
from helpers import browser
from helpers.classroom import Page

from rnncourse.checking import engine
from rnncourse.reports import classreport
from rnncourse.results import CourseResult, Kind, Row

LONG_ID = "a" * 20 + "-very-long-student-identifier-" + "b" * 14  # 64 characters
LONG_MESSAGE = ("lstm_step_backward: dc_prev differs from the numeric gradient (relative error "
                "3.1e-01, tolerance 1e-06) — case: N=3, D=5, H=7, inputs of size 10; the path "
                "through h_next = o * tanh(c_next) seems to be missing from the cell gradient")


def result(course, passing=(), partly=(), message=LONG_MESSAGE, extra=False):
    """A CourseResult for the whole course: the exercises in ``passing`` pass,
    those in ``partly`` pass their first half of checks, the rest fail."""
    exercises = []
    for exercise in course.exercises:
        graded = engine.missing_result(exercise, "x")
        graded.problem = None
        for index, check in enumerate(graded.checks):
            good = (exercise.id in passing or (exercise.id in partly
                                               and index < len(graded.checks) // 2)
                    or (exercise.optional and extra))
            check.passed, check.kind = good, Kind.PASS if good else Kind.FAIL
            check.points = check.max_points if good else 0.0
            check.message = "" if good else message
        exercises.append(graded)
    return CourseResult(exercises, hidden_included=True)


@pytest.fixture(scope="module")
def rows(course):
    required = [e.id for e in course.exercises if not e.optional]
    return [
        Row("alice", result(course, required, extra=True)),  # 100% plus extra credit
        Row("bob", result(course)),  # every remark long
        Row("carol", result(course, required[:2], required[2:])),
        Row("dave", result(course, required[:4])),
        Row("erin", result(course, required[:3]),
            notes=["took 'rnn (1).py' as rnn.py", "took 'LSTM.py' as lstm.py"]),
        Row(LONG_ID, result(course, required[:5])),
        Row("henry", None, status="invalid", reason="henry.zip is not a readable zip file"),
    ]


@pytest.fixture(scope="module")
def page_file(course, rows, tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    classreport.write(folder, course, rows, ["Isolation of student code: a note."])
    return folder / classreport.HTML_FILE


@pytest.fixture(scope="module")
def text(page_file):
    return page_file.read_text(encoding="utf-8")


def percent(row, course):
    """Computed here, independently of Row.percent: points of the required
    exercises out of their maximum."""
    earned = sum(e.score for e in row.result.exercises if not e.optional)
    return 100.0 * earned / course.required_points


# ----------------------------------------------------------------------------- HTML parser


class Structure(HTMLParser):
    """Which tables sit inside which <details>, and what the page holds."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.details: list[dict] = []
        self.tags: list[str] = []
        self._in_details: dict | None = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        if tag == "details":
            self._in_details = {"attrs": attrs, "tables": [], "summary": False}
            self.details.append(self._in_details)
        elif tag == "summary" and self._in_details is not None:
            self._in_details["summary"] = True
        elif tag == "table" and self._in_details is not None:
            self._in_details["tables"].append(attrs.get("id"))

    def handle_endtag(self, tag):
        if tag == "details":
            self._in_details = None


def test_checks_are_folded_by_exercise_without_a_script(course, text):
    structure = Structure(text)
    assert "script" not in structure.tags
    assert [d["attrs"].get("data-exercise") for d in structure.details] == course.exercise_ids
    for folded in structure.details:
        assert folded["summary"] and "open" not in folded["attrs"]  # closed until clicked
        assert folded["tables"] == [f"checks-{folded['attrs']['data-exercise']}"]
    page = Page(text)
    for exercise in course.exercises:
        rows = page.tables[f"checks-{exercise.id}"][1:]
        assert [row[0].replace(" hidden", "") for row in rows] == \
            [spec.id for spec in engine.collect(exercise, True)]


def css_rules(text: str) -> dict[str, dict[str, str]]:
    css = re.search(r"<style>(.*?)</style>", text, re.S).group(1)
    rules: dict[str, dict[str, str]] = {}
    for selectors, body in re.findall(r"([^{}]+)\{([^}]*)\}", css):
        declarations = dict(
            (part.split(":", 1)[0].strip(), part.split(":", 1)[1].strip())
            for part in body.split(";") if ":" in part)
        for selector in selectors.split(","):
            rules.setdefault(" ".join(selector.split()), {}).update(declarations)
    return rules


def test_remarks_and_long_ids_wrap(text):
    rules = css_rules(text)
    assert rules["td.remarks"]["white-space"] == "normal"
    assert rules["td.remarks"]["overflow-wrap"] == "anywhere"
    assert rules["#students td.student"]["overflow-wrap"] == "anywhere"
    nowrap = [selector for selector, rule in rules.items()
              if rule.get("white-space") == "nowrap" and "remarks" in selector]
    assert nowrap == []
    assert rules["svg"]["max-width"] == "100%"  # the chart shrinks with the page


def test_histogram_labels_sit_one_per_edge_and_never_touch(text):
    svg = re.search(r'<svg id="distribution".*?</svg>', text, re.S).group(0)
    width = float(re.search(r'width="([\d.]+)"', svg).group(1))
    ticks = [(float(x), label) for x, label in
             re.findall(r'<text x="([\d.]+)" y="[\d.]+" class="tick">(\d+)</text>', svg)]
    assert [label for _, label in ticks] == [str(10 * i) for i in range(11)]
    char = 12 * 0.62  # the widest digit of a 12 px sans-serif font, generously
    for (x1, a), (x2, b) in zip(ticks, ticks[1:]):
        assert x2 - x1 > (len(a) + len(b)) / 2 * char + 4, (a, b)  # centred labels: no touch
    assert ticks[-1][0] + len("100") / 2 * char <= width  # "100" inside the chart


def test_the_class_mean_leaves_out_invalid_students_and_extra_credit(course, rows, text):
    graded = [row for row in rows if row.status == "graded"]
    expected = statistics.fmean(percent(row, course) for row in graded)
    shown = float(re.search(r'<span id="mean">([\d.]+)%</span>', text).group(1))
    assert shown == pytest.approx(expected, abs=0.05) and shown <= 100
    assert classreport.class_mean(course, rows) == pytest.approx(expected)
    assert "1 invalid submission(s) left out" in text
    assert re.search(r'<p id="extra-credit">Extra credit \(optional exercises\): 1 student', text)
    students = Page(text).rows("students")
    alice = students["alice"]
    assert alice[-3] == "100" and "incl. +20 extra" in alice[-4]
    bars = {bar["data-bin"]: int(bar["data-count"]) for bar in Page(text).bars}
    expected_bins = [min(int(percent(row, course) // 10), 9) for row in graded]
    assert [bars[f"{10 * i}-{10 * i + 10}"] for i in range(10)] == \
        [expected_bins.count(i) for i in range(10)]  # henry is not a 0 here


def test_what_was_handed_in_differently_comes_first(text):
    assert text.index('id="packaging"') < text.index('class="note"') < text.index('id="summary"')
    assert "<strong>erin</strong>: took &#x27;rnn (1).py&#x27; as rnn.py; took" in text


def test_an_optional_exercise_earning_nothing_is_no_remark(course, rows, text):
    optional = next(e.id for e in course.exercises if e.optional)
    students = Page(text).rows("students")
    # one reason, every exercise it holds for: a line, not one remark per exercise
    assert students["bob"][-1].startswith("activations, clipping, rnn, lstm, gru: lstm_step_")
    assert optional not in students["bob"][-1]
    assert all(optional not in row[-1] for row in students.values())


# ----------------------------------------------------------------------------- a browser


needs_browser = pytest.mark.skipif(browser.chromium() is None,
                                   reason="no chromium here (apt-get install -y chromium)")
LAYOUT = """
var view = window.innerWidth, wide = [];
document.querySelectorAll('table, section, svg, p').forEach(function (e) {
  var r = e.getBoundingClientRect();
  if (r.width > 0 && r.right > view + 0.5) wide.push((e.id || e.tagName) + ' ' + r.right);
});
var ticks = Array.prototype.map.call(document.querySelectorAll('#distribution text.tick'),
  function (t) { var b = t.getBoundingClientRect(); return [b.left, b.right, t.textContent]; });
var folded = Array.prototype.map.call(document.querySelectorAll('details'),
  function (d) { return d.getBoundingClientRect().height; });
var remarks = document.querySelector('#students td.remarks').getBoundingClientRect();
return {view: view, scroll: document.documentElement.scrollWidth, wide: wide, ticks: ticks,
        folded: folded, remarksWidth: remarks.width};
"""


@needs_browser
@pytest.mark.parametrize("width", [1300, 1024])
def test_in_a_browser_nothing_is_wider_than_the_page(page_file, width):
    seen = browser.measure(page_file, LAYOUT, width, 2400)
    assert seen["scroll"] <= seen["view"], seen["wide"]
    assert seen["wide"] == []
    assert seen["remarksWidth"] >= 150  # the remarks keep a readable column
    assert all(height < 60 for height in seen["folded"])  # one line each: folded
    ticks = seen["ticks"]
    assert [label for _, _, label in ticks] == [str(10 * i) for i in range(11)]
    for (_, right, a), (left, _, b) in zip(ticks, ticks[1:]):
        assert left > right, (a, b)  # "90" and "100" apart, not "90100"


@needs_browser
def test_a_screenshot_of_the_report(page_file, tmp_path):
    assert browser.screenshot(page_file, tmp_path / "shot.png", 1300, 2400) == (1300, 2400)
