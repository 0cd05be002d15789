"""The imported Resemblyzer encoder: its checkpoint, and that the pipeline embeds with it as Resemblyzer does.

The parity test compares ``ge2e embed``'s way (this project's features, windows and network, ge2e.cli.embed_files)
with ``resemblyzer.VoiceEncoder.embed_utterance`` of ``resemblyzer.preprocess_wav`` on the same files: real speech
of three corpora (read books, Mandarin-accented English, one-second command words) and speech generated here by
espeak-ng, clean and noisy."""

import shutil
import subprocess

import numpy as np
import pytest
import soundfile as sf
import yaml
from workflow_run import REAL_SPEECH, require_real_speech, require_speech_tools

from ge2e import cli
from ge2e.encoder.embedding import load_encoder
from ge2e.errors import InputError
from ge2e.features.frontend import FeatureParams
from ge2e.train import imported
from ge2e.train.transfer import mismatch


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    path = tmp_path_factory.mktemp("imported") / "resemblyzer.pt"
    imported.write(path)
    return path


def real_files():
    root = require_real_speech(REAL_SPEECH)
    so762 = sorted((root / "speechocean762" / "WAVE").glob("*/*.flac"))
    books = sorted((root / "LibriSpeech" / "test-other").glob("*/*/*.flac"))
    words = sorted((root / "speech-commands").glob("*/*.wav"))
    return so762[:120:10] + books[::12] + words[::300]


def generated_files(folder):
    """Sentences by three espeak-ng voices at 16 kHz, and a noisy copy of each (white noise at about 20 dB SNR)."""
    require_speech_tools()
    rng = np.random.default_rng(0)
    out = []
    for i, voice in enumerate(("en-us", "en+f3", "en+m5")):
        raw, path = folder / f"raw{i}.wav", folder / f"espeak{i}.wav"
        text = "The quick brown fox jumps over the lazy dog, and then it rests for a while."
        subprocess.run(["espeak-ng", "-v", voice, "-w", str(raw), text], check=True)
        subprocess.run(["sox", str(raw), "-r", "16000", str(path)], check=True)
        samples, rate = sf.read(path, dtype="float32")
        noisy = samples + rng.normal(0, 0.1 * np.sqrt(np.mean(samples**2)), len(samples)).astype(np.float32)
        sf.write(folder / f"noisy{i}.wav", noisy, rate)
        out += [path, folder / f"noisy{i}.wav"]
    return out


def original_embeddings(paths):
    resemblyzer = pytest.importorskip("resemblyzer")
    encoder = resemblyzer.VoiceEncoder("cpu", verbose=False)
    return np.stack([encoder.embed_utterance(resemblyzer.preprocess_wav(p)) for p in paths])


@pytest.mark.parametrize("source", ["real", "generated"])
def test_the_imported_encoder_embeds_within_cosine_0_99_of_resemblyzer_itself(checkpoint, tmp_path, source):
    paths = real_files() if source == "real" else generated_files(tmp_path)
    model, ckpt = load_encoder(checkpoint)
    ours = cli.embed_files(model, ckpt, paths)  # what ge2e embed writes
    cosines = np.sum(ours * original_embeddings(paths), axis=1)
    worst = int(np.argmin(cosines))
    assert cosines.min() >= 0.99, f"{paths[worst]}: cosine {cosines[worst]:.4f}"
    # Not a constant vector: different speakers' embeddings differ.
    assert np.min(ours @ ours.T) < 0.95


def test_the_checkpoint_holds_resemblyzers_settings_and_provenance_and_is_written_byte_stably(checkpoint, tmp_path):
    again = tmp_path / "again.pt"
    imported.write(again)
    assert again.read_bytes() == checkpoint.read_bytes()
    model, ckpt = load_encoder(checkpoint)
    assert ckpt["model_config"] == imported.RESEMBLYZER_MODEL
    assert FeatureParams(**ckpt["feature_params"]).vad == "webrtc"
    assert ckpt["imported"]["from"] == "resemblyzer" and ckpt["imported"]["licence"] == "Apache-2.0"
    assert len(ckpt["imported"]["sha256"]) == 64 and ckpt["imported"]["version"] == "0.1.4"
    assert ckpt["w"] > 0 and ckpt["w"] != 10.0  # its own GE2E scale, not the paper's start
    assert sum(p.numel() for p in model.parameters()) == 1_423_616


def test_config_resemblyzer_yaml_gives_the_imported_checkpoints_settings(checkpoint):
    from ge2e.plan.params import feature_params, model_settings
    from ge2e.schema import filled

    def config(layer):
        return {key: filled(layer.get(key, {}), key) for key in ("features", "model")}

    cfg = config(yaml.safe_load(open("config/resemblyzer.yaml")))
    _, ckpt = load_encoder(checkpoint)
    model = {"n_mels": cfg["features"]["params"]["n_mels"], **model_settings(cfg)}
    assert mismatch(ckpt, model, feature_params(cfg)) is None
    # The project's defaults are not Resemblyzer's: starting a default run from it names the first difference.
    plain = config({})
    differs = mismatch(ckpt, {"n_mels": 40, **model_settings(plain)}, feature_params(plain))
    assert differs == "has features arithmetic native, the run's features have arithmetic portable"


def test_ge2e_import_writes_the_checkpoint_and_a_missing_package_is_one_line(tmp_path, monkeypatch, capsys):
    assert cli.main(["import", "resemblyzer", "--out", str(tmp_path / "r.pt")]) == 0
    assert (tmp_path / "r.pt").stat().st_size < 25_000_000
    monkeypatch.setattr(imported, "PACKAGE", "no-such-package-here")
    assert cli.main(["import", "resemblyzer", "--out", str(tmp_path / "s.pt")]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "not installed" in err and not (tmp_path / "s.pt").exists()
    with pytest.raises(InputError, match="no encoder to import named 'x'"):
        imported.import_checkpoint("x")


@pytest.mark.skipif(shutil.which("sox") is None, reason="sox makes the test audio")
def test_resemblyzers_own_silence_trimming_gives_the_same_samples(tmp_path):
    resemblyzer_audio = pytest.importorskip("resemblyzer.audio")
    from ge2e.features import silence

    for path in real_files()[:12]:
        samples, _ = sf.read(path, dtype="float32")
        samples = resemblyzer_audio.normalize_volume(samples, -30, increase_only=True)
        assert np.array_equal(silence.trim_long_silences(samples, 16000), resemblyzer_audio.trim_long_silences(samples))
