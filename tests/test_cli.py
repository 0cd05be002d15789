"""The ``ge2e`` command (ge2e.cli): embed and verify, and the --channel option for multi-channel files."""

import numpy as np
import pytest
import soundfile as sf

from ge2e import cli, schema


def speechy(seed):
    """One second of loud noise bursts: enough for VAD to keep."""
    rng = np.random.default_rng(seed)
    wave = rng.standard_normal(16000).astype(np.float32) * 0.3
    wave[::4000] = 0
    return wave * np.repeat(rng.uniform(0.2, 1, 8), 2000).astype(np.float32)


@pytest.fixture
def fake_model(monkeypatch):
    """``ge2e`` commands without a checkpoint: the 'embedding' is each file's mean log-mel."""

    class MeanEmbedder:
        def __init__(self, model, frames):
            pass

        def utterances(self, fs):
            return np.stack([u.mean(axis=0) for u in fs.split_utterances()])

    ckpt = {
        "feature_params": schema.defaults("features.params"),
        "train_params": {"frames": [80]},
        "eer_threshold": 0.5,
    }
    monkeypatch.setattr(cli, "load_encoder", lambda path: (None, ckpt))
    monkeypatch.setattr(cli, "EncoderEmbedder", MeanEmbedder)


def test_cli_channel_option(tmp_path, fake_model, capsys):
    left, right = speechy(1), speechy(2)
    stereo = tmp_path / "call.flac"
    sf.write(stereo, np.stack([left, right], 1), 16000)
    mono = tmp_path / "right.wav"
    sf.write(mono, right, 16000)
    out = tmp_path / "e.npy"
    assert cli.main(["embed", "--checkpoint", "x.pt", str(stereo), "--out", str(out)]) == 1
    assert f"{stereo}: 2 channels; use --channel N (1 = first) or --channel mix" in capsys.readouterr().err
    assert cli.main(["embed", "--checkpoint", "x.pt", str(stereo), str(mono), "--channel", "2", "--out", str(out)]) == 0
    emb = np.load(out)
    assert np.allclose(emb[0], emb[1], atol=1e-3)
    argv = ["verify", "--checkpoint", "x.pt", "--enroll", str(stereo), "--test", str(mono)]
    assert cli.main(argv) == 1 and "--channel" in capsys.readouterr().err
    assert cli.main([*argv, "--channel", "mix"]) == 0
    with pytest.raises(SystemExit):
        cli.main([*argv, "--channel", "0"])
    assert "neither a channel number" in capsys.readouterr().err


def test_verify_prints_score_threshold_and_decision(tmp_path, fake_model, capsys):
    path = tmp_path / "a.wav"
    sf.write(path, speechy(1), 16000)
    argv = ["verify", "--checkpoint", "x.pt", "--enroll", str(path), "--test", str(path)]
    assert cli.main(argv) == 0  # a checkpoint from before calibration was stored: its EER threshold only
    assert capsys.readouterr().out.splitlines() == [
        "score 1.0000",
        "llr n/a (the checkpoint stores no calibration)",
        "threshold score >= 0.5000 (the validation EER threshold)",
        "accept",
    ]
    assert cli.main([*argv, "--threshold", "1.5"]) == 0
    assert capsys.readouterr().out.splitlines()[2:] == ["threshold score >= 1.5000 (given)", "reject"]
    assert cli.main([*argv, "--at", "far1"]) == 1
    assert "the checkpoint stores no calibration or operating points" in capsys.readouterr().err


def test_verify_decides_at_the_operating_point_asked_for(tmp_path, fake_model, monkeypatch, capsys):
    source = "TI-SV validation speakers of the built-in synthetic TIMIT look-alike"
    stored = {
        "calibration": {"scale": 10.0, "offset": -5.0, "p_target": 0.5, "source": source},
        "operating_points": {"eer": 0.5, "far1": 0.9, "far0.1": 1.2},
    }
    ckpt = cli.load_encoder("x.pt")[1] | stored
    monkeypatch.setattr(cli, "load_encoder", lambda path: (None, ckpt))
    path = tmp_path / "a.wav"
    sf.write(path, speechy(1), 16000)
    argv = ["verify", "--checkpoint", "x.pt", "--enroll", str(path), "--test", str(path)]
    said = {}
    for at in ("eer", "far1", "far0.1", "bayes:0.01", "bayes:0.001"):
        assert cli.main([*argv, "--at", at]) == 0
        out = capsys.readouterr()
        said[at] = out.out.splitlines()
        assert "warning: this calibration and these thresholds come from the built-in synthetic corpus" in out.err
    assert said["eer"] == [
        "score 1.0000",
        f"llr 5.0000 (calibrated on the {source})",  # 10 * 1.0 - 5
        "threshold score >= 0.5000 (the validation EER threshold)",
        "accept",
    ]
    assert said["far1"][2:] == ["threshold score >= 0.9000 (1 % false accepts on validation)", "accept"]
    assert said["far0.1"][2:] == ["threshold score >= 1.2000 (0.1 % false accepts on validation)", "reject"]
    # Bayes: accept when the LLR is at least log((1 - p) / p): 4.5951 at p = 0.01, 6.9068 at p = 0.001.
    assert said["bayes:0.01"][2:] == [
        "threshold llr >= 4.5951 (the Bayes decision on the LLR at a target prior of 0.01)",
        "accept",
    ]
    assert said["bayes:0.001"][3] == "reject"
    with pytest.raises(SystemExit):
        cli.main([*argv, "--at", "bayes:2"])
    assert "use one of eer, far1, far0.1 or bayes:<target prior between 0 and 1>" in capsys.readouterr().err


def test_eer_scores_folders_of_speakers_beside_the_mfcc_baseline(tmp_path, fake_model, capsys):
    for speaker in range(3):
        for k in range(3):
            path = tmp_path / "voices" / f"s{speaker}" / f"{k}.wav"
            path.parent.mkdir(parents=True, exist_ok=True)
            sf.write(path, speechy(10 * speaker + k) * (0.2 + 0.4 * speaker), 16000)
    assert cli.main(["eer", "--checkpoint", "x.pt", str(tmp_path / "voices")]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{tmp_path / 'voices'}: EER ") and "(MFCC mean+std " in out
    assert "on 3 speakers, 3 enrolled; 6 target and 12 non-target trials" in out
    assert cli.main(["eer", "--checkpoint", "x.pt", str(tmp_path / "none")]) == 1
    assert "no such folder" in capsys.readouterr().err


def test_verify_prints_what_the_docs_show(tmp_path, fake_model, monkeypatch, capsys):
    """docs/ge2e-command.md's verify example, numbers and the calibration's source aside, is what verify prints."""
    import re
    from pathlib import Path

    docs = (Path(__file__).resolve().parents[1] / "docs" / "ge2e-command.md").read_text()
    block = docs.split("```bash\n", 1)[1].split("```", 1)[0]
    shown = [line[2:] for line in block.split("ge2e verify", 1)[1].splitlines()[1:] if line.startswith("# ")]
    assert len(shown) == 4

    def shape(line):
        line = re.sub(r"\(calibrated on the .*\)", "(calibrated on the SOURCE)", line)
        return re.sub(r"-?\d+\.\d+", "N", line)

    stored = {
        "calibration": {"scale": 3.0, "offset": -1.0, "p_target": 0.5, "source": "toy validation speakers"},
        "operating_points": {"eer": 0.5, "far1": 0.9, "far0.1": 1.2},
    }
    ckpt = cli.load_encoder("x.pt")[1] | stored
    monkeypatch.setattr(cli, "load_encoder", lambda path: (None, ckpt))
    path = tmp_path / "a.wav"
    sf.write(path, speechy(1), 16000)
    assert cli.main(["verify", "--checkpoint", "x.pt", "--enroll", str(path), "--test", str(path)]) == 0
    assert [shape(line) for line in capsys.readouterr().out.splitlines()] == [shape(line) for line in shown]
