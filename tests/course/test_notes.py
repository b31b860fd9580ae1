"""notes/: every id others rely on exists, the Markdown renders as written, and
`rnncourse notes` shows contents, topics and sections."""

import re
import tomllib

import pytest
from click.testing import CliRunner
from helpers.course import ROOT
from helpers.shingles import prose

from rnncourse.cli.main import cli
from rnncourse.course import notes as notes_module
from rnncourse.errors import CourseError

# Ids that course.toml, the checks' hints and the issue fix: they must never go away.
CONTRACT_IDS = """
    vanishing.derivatives remedies.clipping practice.pure-functions rnn.hidden-state rnn.bptt
    vanishing.chain-rule vanishing.singular-values vanishing.short-term-memory
    remedies.truncated-bptt remedies.initialisation remedies.relu remedies.echo-state
    remedies.gating lstm.cell-state lstm.gates lstm.equations lstm.backward lstm.gradient-flow
    lstm.limits gates.sigmoid-vs-tanh gru.gates gru.update-convention gru.reset-placement
    gru.backward gru.parameters variants.peephole variants.coupled params.counts
    practice.timesteps practice.sentiment practice.capacity
""".split()


@pytest.fixture(scope="module")
def notes():
    return notes_module.load(ROOT / "notes")


def test_contract_ids_exist(notes):
    missing = [section for section in CONTRACT_IDS if notes.section(section) is None]
    assert not missing, missing


def test_every_notes_id_in_course_toml_exists(notes, course):
    referenced = {exercise.notes for exercise in course.exercises}
    referenced |= {misconception.notes for misconception in course.misconceptions.values()}
    # Also any notes = "..." in the raw file, in case a table the loader skips uses one.
    raw = tomllib.loads((ROOT / "course.toml").read_text(encoding="utf-8"))
    referenced |= {entry["notes"] for entry in raw.get("exercise", [])}
    referenced |= {entry["notes"] for entry in raw.get("misconception", {}).values()}
    assert referenced, "course.toml references no notes sections"
    missing = sorted(section for section in referenced if notes.section(section) is None)
    assert not missing, missing


def test_every_section_id_is_well_formed_and_under_its_topic(notes):
    assert len(notes.topics) >= 9 and len(notes.sections) >= len(CONTRACT_IDS)
    for topic in notes.topics:
        assert topic.file.name.endswith(f"-{topic.id}.md"), topic.file
        for section in topic.sections:
            assert notes_module.SECTION_ID.match(section.id)
            assert section.topic == topic.id
            assert len(section.body.split()) >= 40, f"{section.id} is too thin"


def test_cross_references_point_at_real_sections(notes):
    text = "\n".join(path.read_text(encoding="utf-8") for path in (ROOT / "notes").glob("*.md"))
    references = re.findall(r"rnncourse notes ([a-z][a-z0-9.-]*[a-z0-9])", text)
    assert references
    for reference in references:
        assert notes.section(reference) or notes.topic(reference), reference


def test_no_latex_in_the_notes():
    for path in (ROOT / "notes").glob("*.md"):
        text = path.read_text(encoding="utf-8")
        assert "$" not in text and "\\frac" not in text and "\\tilde" not in text, path


def test_no_stray_asterisks_that_markdown_would_eat():
    """`D*H + H*H` outside backticks renders as emphasis: keep such math in code."""
    for path in (ROOT / "notes").glob("*.md"):
        text = prose(path.read_text(encoding="utf-8"))
        text = re.sub(r"\*\*[^*\n]+\*\*", "", text)  # **bold**
        text = re.sub(r"(?<![\w*])\*[^*\s][^*\n]*[^*\s]\*(?![\w*])", "", text)  # *italic*
        for number, line in enumerate(text.splitlines(), start=1):
            line = re.sub(r"^\s*[-*] ", "", line)  # list bullets
            assert not re.search(r"\S\*|\*\S", line), f"{path.name}:{number}: {line}"


def test_code_lines_fit_an_80_column_terminal():
    for path in (ROOT / "notes").glob("*.md"):
        inside = False
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.lstrip().startswith("```"):
                inside = not inside
            elif inside:
                assert len(line) <= 76, f"{path.name}:{number} is {len(line)} wide"


def test_course_conventions_are_stated(notes):
    lstm = notes.section("lstm.equations").body
    assert "a_i, a_f, a_o, a_g" in lstm and "i, f, g, o" in lstm  # ours, and PyTorch's warning
    assert "c_next = f * c_prev + i * g" in lstm and "h_next = o * tanh(c_next)" in lstm
    gru = notes.section("gru.update-convention").body
    assert "h_next = (1 - z) * h_prev + z * h_tilde" in gru
    assert "h_next = z * h_prev + (1 - z) * h_tilde" in gru and "PyTorch" in gru
    assert "(r * h_prev) Wh_n" in notes.section("gru.reset-placement").body
    assert "dc_{t-1} = f_t * dc_t" in notes.section("lstm.gradient-flow").body
    clipping = notes.section("remedies.clipping").body
    assert "sqrt(sum over every array g of sum(g**2))" in clipping
    assert "g * (max_norm / norm)" in clipping


def test_suggestions(notes):
    assert notes.suggest("lstm.equation")[0] == "lstm.equations"
    assert "gru" in notes.suggest("gur")
    assert notes.suggest("lstm.no-such-section")[0].startswith("lstm.")
    far = str(notes.unknown("zzzz"))
    assert "did you mean" not in far and "table of contents" in far


def write_notes(tmp_path, text, name="01-x.md"):
    folder = tmp_path / "notes"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.mark.parametrize("text, expected", [
    ("## A {#x.a}\nbody\n", "01-x.md:1: a section before the '# Topic {#id}' heading"),
    ("# X {#x}\n## A\nbody\n", "01-x.md:2: heading 'A' has no id"),
    ("# X {#x}\n## A {#y.a}\nbody\n", "01-x.md:2: section id 'y.a' should look like 'x."),
    ("# X {#x}\n## A {#x.Bad}\nbody\n", "section id 'x.Bad' should look like"),
    ("# X {#x}\n## A {#x.a}\nbody\n## B {#x.a}\nmore\n",
     "01-x.md:4: section id 'x.a' appears twice"),
    ("# X {#x}\n## A {#x.a}\n\n", "01-x.md:2: section 'x.a' is empty"),
    ("# X {#x}\ntext only\n", "no '## Section title {#x.name}' sections"),
    ("# X {#x}\n## A {#x.a}\n```\n# not a heading\n", "a ``` code block is never closed"),
    ("no heading at all\n", "no '# Topic title {#topic}' heading"),
])
def test_malformed_notes_give_one_line(tmp_path, text, expected):
    folder = write_notes(tmp_path, text)
    with pytest.raises(CourseError) as caught:
        notes_module.load(folder)
    assert expected in str(caught.value) and "\n" not in str(caught.value)


def test_headings_inside_code_blocks_are_not_sections(tmp_path):
    folder = write_notes(tmp_path, "# X {#x}\n## A {#x.a}\n```python\n# comment\n```\ntext\n")
    loaded = notes_module.load(folder)
    assert loaded.section_ids == ["x.a"] and "# comment" in loaded.section("x.a").body


def test_missing_folder(tmp_path):
    with pytest.raises(CourseError, match="notes folder not found"):
        notes_module.load(tmp_path / "nowhere")


@pytest.fixture
def run(monkeypatch):
    monkeypatch.setenv("RNNCOURSE_HOME", str(ROOT))
    monkeypatch.setenv("COLUMNS", "100")

    def invoke(*args):
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)

    return invoke


def test_cli_contents_lists_every_section(run, notes):
    result = run("notes")
    assert result.exit_code == 0
    for section in notes.sections:
        assert section.id in result.stdout and section.title in result.stdout


def test_cli_section_renders_markdown_without_the_id_markup(run):
    result = run("notes", "lstm.gradient-flow")
    assert result.exit_code == 0
    out = result.stdout
    assert "Why the additive update keeps gradients alive" in out
    assert "{#" not in out and "```" not in out and "## " not in out
    assert "dc_{t-1} = f_t * dc_t" in out  # code blocks verbatim
    assert "next: rnncourse notes lstm.limits" in out
    assert "quiz: rnncourse quiz lstm.gradient-flow" in out


def test_cli_topic_shows_all_its_sections(run, notes):
    out = run("notes", "gru").stdout
    for section in notes.topic("gru").sections:
        assert section.title in out


def test_cli_unknown_section_suggests_the_closest(run):
    result = run("notes", "lstm.equatoins")
    assert result.exit_code == 2
    assert result.stderr.strip() == ("Error: unknown notes section 'lstm.equatoins'; "
                                     "did you mean lstm.equations, lstm.gates?")
    far = run("notes", "qqq")
    assert far.exit_code == 2 and "rnncourse notes' for the table of contents" in far.stderr
