"""`rnncourse grade` on bad input: one line, exit code 2, nothing half written;
submissions that cannot be read fail alone."""

import fcntl
import io
import os
import stat
import zipfile

import pytest
from click.testing import CliRunner
from helpers.classroom import add_folder, add_zip, full_class, gradebook_rows, make_course, snapshot

from rnncourse.cli.main import cli
from rnncourse.grading import submissions


@pytest.fixture(scope="module")
def course_root(tmp_path_factory):
    return make_course(tmp_path_factory.mktemp("course") / "course")


@pytest.fixture
def run(monkeypatch, course_root):
    monkeypatch.setenv("RNNCOURSE_HOME", str(course_root))

    def invoke(*args):
        return CliRunner().invoke(cli, ["grade", *map(str, args)], catch_exceptions=False)

    return invoke


def one_line_error(result, code=2):
    assert result.exit_code == code, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert "Traceback" not in result.output
    return lines[0]


def test_missing_submissions(run, tmp_path):
    line = one_line_error(run(tmp_path / "nowhere", "--out", tmp_path / "out"))
    assert line == f"Error: SUBMISSIONS folder '{tmp_path / 'nowhere'}' does not exist"
    assert not (tmp_path / "out").exists()


def test_empty_submissions(run, tmp_path):
    (tmp_path / "subs").mkdir()
    (tmp_path / "subs" / "notes.txt").write_text("no students here")
    line = one_line_error(run(tmp_path / "subs", "--out", tmp_path / "out"))
    assert "holds no student folders or .zip files" in line


def test_submissions_is_a_file(run, tmp_path):
    (tmp_path / "subs").write_text("")
    assert "is not a folder" in one_line_error(run(tmp_path / "subs", "--out", tmp_path / "o"))


def test_out_is_required(run, tmp_path):
    line = one_line_error(run(tmp_path))
    assert line == "Error: --out DIR is required: the folder for the gradebook and the reports"


def test_out_inside_submissions(run, tmp_path):
    add_folder(tmp_path / "subs", "alice", full_class())
    line = one_line_error(run(tmp_path / "subs", "--out", tmp_path / "subs" / "grades"))
    assert "is inside SUBMISSIONS" in line
    assert sorted(p.name for p in (tmp_path / "subs").iterdir()) == ["alice"]


def test_out_not_writable(run, tmp_path):
    add_folder(tmp_path / "subs", "alice", full_class())
    (tmp_path / "file").write_text("")
    line = one_line_error(run(tmp_path / "subs", "--out", tmp_path / "file" / "out"))
    assert "cannot be written" in line
    assert "is not a folder" in one_line_error(run(tmp_path / "subs", "--out", tmp_path / "file"))


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_out_read_only(run, tmp_path):
    add_folder(tmp_path / "subs", "alice", full_class())
    (tmp_path / "out").mkdir()
    (tmp_path / "out").chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        assert "cannot be written" in one_line_error(run(tmp_path / "subs", "--out",
                                                         tmp_path / "out"))
    finally:
        (tmp_path / "out").chmod(stat.S_IRWXU)


@pytest.mark.parametrize("option", [["--jobs", "0"], ["--timeout", "0"], ["--timeout", "x"]])
def test_bad_options_are_usage_errors(run, tmp_path, option):
    result = run(tmp_path, "--out", tmp_path / "out", *option)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_another_run_holds_the_gradebook(run, tmp_path):
    add_folder(tmp_path / "subs", "alice", full_class())
    (tmp_path / "out").mkdir()
    with open(tmp_path / "out" / ".gradebook.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        line = one_line_error(run(tmp_path / "subs", "--out", tmp_path / "out"))
    assert "another `rnncourse grade` is writing to" in line
    assert not (tmp_path / "out" / "gradebook.sqlite").exists()


def test_bad_input_leaves_an_earlier_gradebook_and_reports_alone(run, tmp_path):
    subs, out = tmp_path / "subs", tmp_path / "out"
    add_folder(subs, "alice", full_class())
    assert run(subs, "--out", out).exit_code == 0
    before = snapshot(out)
    for path in subs.iterdir():
        for inner in path.iterdir():
            inner.unlink()
        path.rmdir()
    one_line_error(run(subs, "--out", out))
    one_line_error(run(tmp_path / "gone", "--out", out))
    assert snapshot(out) == before


def zip_bytes(entries):
    """A zip built by hand: (name, data, unix mode or None) triples."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data, mode in entries:
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            if mode is not None:
                info.external_attr = mode << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def test_unreadable_submissions_fail_alone(run, tmp_path):
    subs, out = tmp_path / "subs", tmp_path / "out"
    add_folder(subs, "alice", full_class())
    add_zip(subs, "beth", full_class())
    (subs / "corrupt.zip").write_bytes(b"PK\x03\x04" + os.urandom(200))
    (subs / "slip.zip").write_bytes(zip_bytes([("../../escaped.py", b"x = 1", None)]))
    (subs / "absolute.zip").write_bytes(zip_bytes([("/tmp/absolute.py", b"x = 1", None)]))
    (subs / "link.zip").write_bytes(zip_bytes([("activations.py", b"/etc/passwd",
                                                stat.S_IFLNK | 0o777)]))
    (subs / "bomb.zip").write_bytes(zip_bytes([("activations.py",
                                                b"\0" * (submissions.MAX_BYTES + 1), None)]))
    add_folder(subs, "linker", {"clipping.py": "x = 1"})
    (subs / "linker" / "activations.py").symlink_to(tmp_path / "course" / "solutions")
    before = snapshot(subs)
    result = run(subs, "--out", out)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    rows = gradebook_rows(out)
    assert rows["alice"]["status"] == rows["beth"]["status"] == "graded"
    reasons = {student: row["reason"] for student, row in rows.items()
               if row["status"] == "invalid"}
    assert reasons == {
        "corrupt": reasons["corrupt"],
        "slip": "slip.zip holds a path that leaves its folder ('../../escaped.py')",
        "absolute": "absolute.zip holds a path that leaves its folder ('/tmp/absolute.py')",
        "link": "link.zip holds a symbolic link ('activations.py'); zip the files themselves",
        "bomb": "bomb.zip is larger than 20 MB",
        "linker": "linker/: 'activations.py' is a symbolic link; submit plain files",
    }
    assert reasons["corrupt"].startswith("corrupt.zip is not a readable zip file")
    assert not (tmp_path / "escaped.py").exists() and not (subs / "escaped.py").exists()
    assert snapshot(subs) == before
    lines = [line for line in result.stdout.splitlines() if "invalid" in line]
    assert len(lines) >= 6


def test_odd_names(run, tmp_path):
    subs, out = tmp_path / "subs", tmp_path / "out"
    for name in ("jane.doe", "zoë", "o'neil", "-rf", "trailing.", "tab\tname"):
        add_folder(subs, name, full_class())
    add_zip(subs, "li.wei", full_class())
    add_folder(subs, "e\u0301mile", full_class())  # NFD: é as e + combining accent
    result = run(subs, "--out", out)
    rows = gradebook_rows(out)
    graded = {student for student, row in rows.items() if row["status"] == "graded"}
    assert graded == {"jane.doe", "zoë", "li.wei", "\u00e9mile"}  # stored as NFC
    for rejected in ("o'neil", "-rf", "trailing.", "tab\\tname"):  # stored with the escape
        assert rows[rejected]["status"] == "invalid"
        assert "is not a valid student id" in rows[rejected]["reason"]
    assert "tab\\tname" in result.stdout  # control characters are shown, not sent
    assert (out / "feedback" / "\u00e9mile.md").is_file()
    assert not (out / "feedback" / "-rf.md").exists()


def test_help(run):
    result = run("--help")
    assert result.exit_code == 0
    for words in ("SUBMISSIONS", "--out DIR", "--jobs N", "--timeout S", "--force",
                  "gradebook.sqlite", "grades.csv", "report.html", "feedback/<id>.md",
                  "gradescope/<id>.json", "Exit code 0"):
        assert words in result.stdout, words
    top = CliRunner().invoke(cli, ["--help"]).stdout
    assert "grade" in top and "Grade a class of submissions" in top
