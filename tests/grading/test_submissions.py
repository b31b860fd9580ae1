"""Finding, vetting and copying student submissions for `rnncourse grade`."""

import errno
import os
import zipfile

import pytest
from helpers.classroom import add_folder, add_zip

from rnncourse.grading import quizzes, submissions
from rnncourse.grading.matching import Expected
from rnncourse.grading.submissions import SubmissionError
from rnncourse.results import valid_student_id

FILES = {"activations.py": "A = 1\n", "clipping.py": "B = 2\n", "helpers/util.py": "C = 3\n"}
WANTED = Expected(("activations.py", "clipping.py"), quizzes.ANSWER_FILES)


def make(folder, files=FILES):
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    return folder


def test_hash_is_the_same_for_a_folder_and_a_zip_of_it(tmp_path):
    folder = make(tmp_path / "alice")
    (tmp_path / "subs").mkdir()
    with_top = add_zip(tmp_path / "subs", "with-top", FILES, top="anything")
    flat = add_zip(tmp_path / "subs", "flat", FILES)
    digest = submissions.content_hash(folder, WANTED)
    assert submissions.content_hash(with_top, WANTED) == digest
    assert submissions.content_hash(flat, WANTED) == digest


@pytest.mark.parametrize("change", ["byte", "rename", "add", "remove"])
def test_hash_changes_with_any_name_or_byte(tmp_path, change):
    folder = make(tmp_path / "alice")
    before = submissions.content_hash(folder, WANTED)
    if change == "byte":
        (folder / "helpers" / "util.py").write_text("C = 4\n")
    elif change == "rename":
        (folder / "clipping.py").rename(folder / "clipping2.py")
    elif change == "add":
        (folder / "notes.txt").write_text("")
    else:
        (folder / "clipping.py").unlink()
    assert submissions.content_hash(folder, WANTED) != before


def test_junk_is_left_out(tmp_path):
    folder = make(tmp_path / "alice")
    before = submissions.content_hash(folder, WANTED)
    (folder / "__pycache__").mkdir()
    (folder / "__pycache__" / "activations.cpython-311.pyc").write_bytes(b"\0")
    (folder / ".DS_Store").write_bytes(b"\0")
    (folder / ".git").mkdir()
    assert submissions.content_hash(folder, WANTED) == before


def test_materialize_writes_the_files_and_nothing_else(tmp_path):
    source = add_zip(tmp_path, "alice", FILES, top="alice")
    copy = tmp_path / "copy"
    copy.mkdir()
    digest = submissions.materialize(source, copy, WANTED)
    assert digest == submissions.content_hash(source, WANTED)
    written = {str(p.relative_to(copy)): p.read_text() for p in copy.rglob("*") if p.is_file()}
    assert written == FILES


def test_zip_caps(tmp_path, monkeypatch):
    monkeypatch.setattr(submissions, "MAX_FILES", 2)
    with pytest.raises(SubmissionError, match="holds more than 2 files"):
        submissions.content_hash(add_zip(tmp_path, "many", FILES), WANTED)
    monkeypatch.setattr(submissions, "MAX_FILES", 200)
    monkeypatch.setattr(submissions, "MAX_BYTES", 1000)
    with pytest.raises(SubmissionError, match="larger than"):
        submissions.content_hash(add_zip(tmp_path, "big", {"a.py": "x" * 1001}), WANTED)


def test_entries_are_counted_folders_included_before_anything_is_read(tmp_path, monkeypatch):
    monkeypatch.setattr(submissions, "MAX_ENTRIES", 10)
    folders = {f"d{index}/": "" for index in range(10)}
    path = tmp_path / "folders.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for name in [*FILES, *folders]:
            archive.writestr(name, FILES.get(name, ""))
    read = []
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda *a, **k: read.append(a))
    with pytest.raises(SubmissionError, match="holds more than 10 files and folders"):
        submissions.content_hash(path, WANTED)
    assert read == []  # refused from its end record, nothing extracted
    tree = make(tmp_path / "tree")
    for index in range(10):
        (tree / f"empty{index}").mkdir()
    with pytest.raises(SubmissionError, match="holds more than 10 files and folders"):
        submissions.content_hash(tree, WANTED)


def test_a_zip_file_larger_than_the_limit_is_refused_unread(tmp_path, monkeypatch):
    monkeypatch.setattr(submissions, "MAX_BYTES", 10_000)
    path = tmp_path / "padded.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("a.py", "x = 1\n")
        archive.writestr("__MACOSX/padding", "p" * 20_000)  # left out, but on disk
    with pytest.raises(SubmissionError, match="larger than"):
        submissions.content_hash(path, WANTED)


@pytest.mark.parametrize("code, fault", [(errno.ENOSPC, True), (errno.EDQUOT, True),
                                         (errno.EIO, True), (errno.ENAMETOOLONG, False),
                                         (errno.EISDIR, False)])
def test_a_copy_that_cannot_be_written_is_the_machines_fault_or_the_submissions(
        tmp_path, monkeypatch, code, fault):
    """A full disk is not the student's: CopyError (graded again later), never
    SubmissionError (invalid, scored 0 and kept)."""
    source = make(tmp_path / "alice")
    copy = tmp_path / "copy"
    copy.mkdir()

    def refuse(*args, **kwargs):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(submissions, "open", refuse, raising=False)
    with pytest.raises(submissions.CopyError if fault else SubmissionError) as raised:
        submissions.materialize(source, copy, WANTED)
    assert os.strerror(code) in str(raised.value)


def test_the_judge_asks_for_a_copy_fault_to_be_retried(tmp_path, monkeypatch, course):
    from rnncourse.grading import judge

    source = make(tmp_path / "alice")

    def full(path, destination, wanted):
        raise submissions.CopyError("the copy of alice/ could not be written to the grader's "
                                    "scratch folder (No space left on device)")

    monkeypatch.setattr(submissions, "materialize", full)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    reply = judge.grade(course, None, {"student_id": "alice", "source": str(source),
                                       "label": "alice/", "timeout": 10}, scratch)
    assert (reply.status, reply.retry, reply.content_hash) == ("error", True, "")
    assert "No space left on device" in reply.reason
    assert list(scratch.iterdir()) == []  # its empty copy folder is gone
    missing = judge.grade(course, None, {"student_id": "alice", "source": str(source),
                                         "label": "alice/", "timeout": 10}, tmp_path / "gone")
    assert (missing.status, missing.retry) == ("error", True)


def test_a_zip_with_a_name_twice(tmp_path):
    path = tmp_path / "twice.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("a.py", "1")
        archive.writestr("./a.py", "2")
    with pytest.raises(SubmissionError, match="holds 'a.py' twice"):
        submissions.content_hash(path, WANTED)


def test_scan(tmp_path):
    subs = tmp_path / "subs"
    add_folder(subs, "bob", FILES)
    add_zip(subs, "alice", FILES)
    add_folder(subs, "Carl", FILES)
    add_zip(subs, "carl", FILES)
    (subs / "readme.md").write_text("")
    (subs / "__MACOSX").mkdir()
    (subs / ".DS_Store").write_bytes(b"")
    (subs / ".hidden").mkdir()
    scan = submissions.scan(subs, WANTED)
    assert [s.student_id for s in scan.submissions] == ["alice", "bob", "Carl"]
    assert scan.ignored == [".hidden", "readme.md"]
    carl = scan.submissions[2]
    assert carl.problem == "Carl/ and carl.zip are the same student; keep only one of them"
    assert scan.submissions[0].problem is None and scan.submissions[0].label == "alice.zip"


@pytest.mark.parametrize("name, valid", [
    ("alice", True), ("jane.doe", True), ("s123", True), ("zoë", True), ("a_b-c@d+e", True),
    ("Jane Doe", False), ("-rf", False), (".hidden", False), ("a.", False), ("_x", False),
    ("a" * 64, True), ("a" * 65, False), ("a/b", False), ("x\ny", False),
])
def test_valid_ids(name, valid):
    assert valid_student_id(name) is valid
