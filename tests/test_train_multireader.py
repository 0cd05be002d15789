"""MultiReader (ge2e.train.multireader through ge2e.train.trainer.train): weight 0 trains to the byte as without it;
the second source's batches are N x M x frames of its own speakers at every step, drawn beside the task's own
draws without changing them; a resumed run continues them to the byte."""

import pickle

import numpy as np
import pytest
import torch
from test_train_trainer import SMALL, speaker_data, toy_params

import ge2e.train.trainer
from ge2e.errors import InputError
from ge2e.features.batches import SpeakerBatches
from ge2e.features.store import FeatureSet
from ge2e.train.multireader import MultiReader, Source
from ge2e.train.trainer import train


def source_set(n_speakers=6, n_utts=5):
    """The toy task's kind of data, its speakers named src<k>: a batch shows whose they are."""
    data = speaker_data(n_speakers, n_utts, 20)
    utterances = list(data.iter_utterances())
    return FeatureSet.from_list(
        utterances, [f"src{s[3:]}" for s in data.speakers], [f"src_{u}" for u in data.utterances]
    )


def outputs(folder):
    folder.mkdir(parents=True, exist_ok=True)
    return {k: folder / f"{k}.pt" for k in ("init", "final", "best")} | {"loss": folder / "loss.tsv"}


def spy_batches(monkeypatch):
    """Record every batch any SpeakerBatches draws: (its feature set, the speakers, frames, the batch's shape)."""
    calls, real = [], SpeakerBatches.batch

    def batch(self, rng, speaker_rows, frames):
        out = real(self, rng, speaker_rows, frames)
        calls.append((self.fs, [self.speakers[r] for r in np.asarray(speaker_rows)], frames, out.shape, out.copy()))
        return out

    monkeypatch.setattr(SpeakerBatches, "batch", batch)
    return calls


def test_weight_0_trains_to_the_byte_as_without_multireader(tmp_path, monkeypatch):
    calls = spy_batches(monkeypatch)
    data, val, params = speaker_data(8, 4, 0), speaker_data(4, 4, 1), toy_params(epochs=3, frames=(15, 25))
    plain, zero = outputs(tmp_path / "plain"), outputs(tmp_path / "zero")
    train(data, val, params, SMALL, {}, plain)
    drawn = len(calls)
    train(data, val, params, SMALL, {}, zero, multireader=Source("tisv", source_set(), 0.0))
    assert len(calls) == 2 * drawn  # no batch of the source drawn
    for key in ("init", "best", "final", "loss"):
        assert plain[key].read_bytes() == zero[key].read_bytes(), key
    assert "multireader" not in torch.load(zero["final"], weights_only=True)


def test_the_sources_batches_are_n_by_m_by_frames_of_its_own_speakers_at_every_step(tmp_path, monkeypatch):
    calls = spy_batches(monkeypatch)
    data, val, source = speaker_data(8, 4, 0), speaker_data(4, 4, 1), source_set()
    params = toy_params(epochs=3, n_speakers=3, n_utterances=2, frames=(15, 25))
    train(data, val, params, SMALL, {}, outputs(tmp_path / "plain"))
    plain = [call for call in calls if call[0] is data]
    calls.clear()
    summary = train(data, val, params, SMALL, {}, outputs(tmp_path / "mr"), multireader=Source("tisv", source, 0.5))
    own = [call for call in calls if call[0] is data]
    second = [call for call in calls if call[0] is source]
    assert len(own) == len(second) == 3 * (8 // 3)  # one source batch a step; the epoch is the task's own
    for _, speakers, frames, shape, _ in second:
        assert len(set(speakers)) == 3 and all(s.startswith("src") for s in speakers)
        assert 15 <= frames <= 25 and shape == (3, 2, frames, 8)
    assert len({tuple(speakers) for _, speakers, *_ in second}) > 1  # drawn anew, not one fixed group
    # The task's own draws are those of the run without MultiReader, batch for batch.
    assert [(c[1], c[2]) for c in own] == [(c[1], c[2]) for c in plain]
    assert all(np.array_equal(a[4], b[4]) for a, b in zip(own, plain, strict=True))
    assert np.isfinite(summary["final_loss"])


def test_a_weighted_source_changes_training_and_checkpoints_record_it_with_its_own_w_and_b(tmp_path):
    data, val, params = speaker_data(8, 4, 0), speaker_data(4, 4, 1), toy_params(epochs=3, lr=0.5)
    plain, mr = outputs(tmp_path / "plain"), outputs(tmp_path / "mr")
    train(data, val, params, SMALL, {}, plain)
    train(data, val, params, SMALL, {}, mr, multireader=Source("tisv", source_set(), 2.0))
    a, b = (torch.load(out["final"], weights_only=True) for out in (plain, mr))
    assert not torch.equal(a["model"]["lstm.weight_ih_l0"], b["model"]["lstm.weight_ih_l0"])
    record = b["multireader"]
    assert record["source"] == "tisv" and record["weight"] == 2.0
    assert (record["w"], record["b"]) != (10.0, -5.0) and (record["w"], record["b"]) != (b["w"], b["b"])
    assert torch.load(mr["init"], weights_only=True)["multireader"] == {**record, "w": 10.0, "b": -5.0}
    rows = mr["loss"].read_text().splitlines()
    assert len(rows) == 1 + 3 * 2  # the task's own epochs and steps


def test_a_run_with_multireader_killed_midway_resumes_to_the_same_bytes(tmp_path, monkeypatch):
    # Through pickle, as the rule gets its settings (see test_train_transfer's resume test).
    params = pickle.loads(pickle.dumps(toy_params(epochs=4, checkpoint_every=1)))
    data, val = speaker_data(8, 4, 0), speaker_data(4, 4, 1)
    straight, killed = outputs(tmp_path / "straight"), outputs(tmp_path / "killed")
    killed["resume"] = tmp_path / "killed" / "resume.pt"
    train(data, val, params, SMALL, {}, straight, multireader=Source("tisv", source_set(), 0.5))
    real, count = ge2e.train.trainer.train_step, {"n": 0}

    def dying(*args, **kwargs):
        count["n"] += 1
        if count["n"] == 6:
            raise KeyboardInterrupt("killed")
        return real(*args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(ge2e.train.trainer, "train_step", dying)
        with pytest.raises(KeyboardInterrupt):
            train(data, val, params, SMALL, {}, killed, multireader=Source("tisv", source_set(), 0.5))
    assert torch.load(killed["resume"], weights_only=True)["multireader"]["rng"]
    train(data, val, params, SMALL, {}, killed, multireader=Source("tisv", source_set(), 0.5))
    for key in ("init", "best", "final", "loss"):
        assert straight[key].read_bytes() == killed[key].read_bytes(), key


def test_a_source_too_small_for_the_batches_is_refused_naming_it():
    with pytest.raises(InputError, match=r"^MultiReader source tisv: its training speakers: 2 speakers .* N=4"):
        MultiReader(Source("tisv", source_set(n_speakers=2), 1.0), toy_params())
    with pytest.raises(ValueError, match="weight above 0"):
        MultiReader(Source("tisv", source_set(), 0.0), toy_params())
