"""`rnncourse grade --replay` on a gradient check: the numeric gradient calls
the forward on many perturbed inputs as ordinary calls (issue 17), so the
replay lists a bounded number of calls and counts the rest."""

from __future__ import annotations

from helpers.classroom import add_folder, grade, load_course, make_course, solution

from rnncourse.grading import replay as replays


def test_a_gradient_check_replays_with_a_bounded_list_of_calls(tmp_path, monkeypatch):
    root = make_course(tmp_path / "course", check_timeout=3.0, exercises=("rnn",))
    subs = tmp_path / "submissions"
    add_folder(subs, "amy", {"rnn.py": solution("rnn")})
    out = tmp_path / "out"
    done = grade(root, subs, out)
    assert done.returncode == 0, done.stdout + done.stderr
    whole = replays.replay(load_course(root), out, "amy", "rnn_backward.gradient")
    assert whole.same and whole.replayed.passed and whole.omitted == 0
    forward = [call for call in whole.calls if call.function == "rnn_forward"]
    assert len(forward) > 10  # the case and its perturbed points
    monkeypatch.setattr(replays, "MAX_CALLS", 10)
    bounded = replays.replay(load_course(root), out, "amy", "rnn_backward.gradient")
    assert bounded.same and bounded.replayed.passed
    assert len(bounded.calls) == 10 and bounded.omitted == len(whole.calls) - 10
