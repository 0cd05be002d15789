"""ge2e.evaluate.speaker_eer: the held-out speaker check (first half of each speaker's sorted files enrols, every other
file is scored against every enrolled speaker) agrees with a plain-loop computation, and reads both layouts."""

import numpy as np
import pytest

from ge2e.errors import InputError
from ge2e.evaluate import metrics, speaker_eer


def loop_check(emb, speakers):
    """The protocol written as loops, independently of the library."""
    by_speaker = {}
    for i, s in enumerate(speakers):
        by_speaker.setdefault(s, []).append(i)
    centroids = {}
    tests = []
    for s, idx in by_speaker.items():
        k = len(idx) // 2
        if k:
            c = sum(emb[i] / np.linalg.norm(emb[i]) for i in idx[:k])
            centroids[s] = c / np.linalg.norm(c)
        tests += idx[k:]
    scores, labels = [], []
    for i in tests:
        e = emb[i] / np.linalg.norm(emb[i])
        for s, c in centroids.items():
            scores.append(float(e @ c))
            labels.append(int(speakers[i] == s))
    return np.array(scores), np.array(labels)


def test_the_check_matches_plain_loops():
    rng = np.random.default_rng(0)
    counts = {"a": 5, "b": 1, "c": 2, "d": 4, "e": 3}
    speakers = [s for s, n in sorted(counts.items()) for _ in range(n)]
    centres = {s: rng.standard_normal(8) for s in counts}
    emb = np.stack([centres[s] + 0.8 * rng.standard_normal(8) for s in speakers])
    result = speaker_eer.speaker_eer(emb, speakers)
    scores, labels = loop_check(emb, speakers)
    assert result["eer"] == pytest.approx(metrics.eer(scores, labels))
    assert result == {
        "eer": result["eer"],
        "speakers": 5,
        "enrolled": 4,  # b's one file enrols nothing: it is only an impostor trial
        "target_trials": int(labels.sum()),
        "nontarget_trials": int(len(labels) - labels.sum()),
    }
    assert int(labels.sum()) == (5 - 2) + (2 - 1) + (4 - 2) + (3 - 1)
    trials = speaker_eer.enrolment_trials(speakers)
    enrols = {"a": "TTFFF", "b": "F", "c": "TF", "d": "TTFF", "e": "TFF"}
    assert trials["enrol"].tolist() == [c == "T" for s in sorted(enrols) for c in enrols[s]]
    assert trials["enrolled"].tolist() == ["a", "c", "d", "e"]


def test_ungrouped_files_and_too_few_speakers_are_refused():
    with pytest.raises(ValueError, match="grouped by speaker"):
        speaker_eer.enrolment_trials(["a", "b", "a"])
    with pytest.raises(InputError, match="at least two speakers with two or more files"):
        speaker_eer.speaker_eer(np.ones((3, 2)), ["a", "a", "b"])


def test_both_layouts_list_files_by_speaker_then_path(tmp_path):
    for rel in ("s2/x/b.wav", "s2/a.flac", "s1/c.wav", "s1/notes.txt"):
        (tmp_path / "f" / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "f" / rel).write_bytes(b"")
    speakers, paths = speaker_eer.speaker_files(tmp_path / "f")
    assert speakers == ["s1", "s2", "s2"]
    assert [p.split("/f/")[1] for p in paths] == ["s1/c.wav", "s2/a.flac", "s2/x/b.wav"]
    (tmp_path / "yes").mkdir()
    for name in ("ab12_nohash_1.wav", "ab12_nohash_0.wav", "cd34_nohash_0.wav"):
        (tmp_path / "yes" / name).write_bytes(b"")
    speakers, paths = speaker_eer.speaker_files(tmp_path / "yes", "prefix")
    assert speakers == ["ab12", "ab12", "cd34"] and paths[0].endswith("ab12_nohash_0.wav")
    with pytest.raises(InputError, match="no audio files"):
        speaker_eer.speaker_files(tmp_path / "yes", "folder")
