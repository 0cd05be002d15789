"""Every kind of bad file, through conversion and feature extraction as the rules run them: one clear
error naming the file, earlier results intact, or under ``on_bad_file: skip`` a count. The checks
that one module makes alone (batch capacity, corpus size) are tested with that module."""

import json
import logging

import numpy as np
import pytest
import soundfile as sf
from audio_files import STRICT, read_policy

from bench import placeholder
from ge2e import schema
from ge2e.audio import sphere
from ge2e.corpus import manifest, snips, timit
from ge2e.errors import InputError
from ge2e.features import frontend
from ge2e.features.frontend import FeatureParams

EARLIER = "earlier result\n"


def convert_timit(root, out, policy="fail", resample=True):
    """What the convert_timit rule does, writing the manifest atomically at the end."""
    policy = read_policy(on_bad_file=policy, resample=resample)
    rows = timit.convert(timit.scan(root, "full"), out.parent / "wav", policy)
    manifest.write(timit.assign_splits(rows, 0.2, 1), out)
    return rows


def convert_snips(root, out, policy="fail", resample=True):
    rows = snips.scan(root, read_policy(on_bad_file=policy, resample=resample))
    manifest.write(rows, out)
    return rows


@pytest.fixture
def timit_root(tmp_path):
    return placeholder.write_timit(tmp_path / "TIMIT", train_speakers=6, test_speakers=3)


@pytest.fixture
def snips_root(tmp_path):
    return placeholder.write_snips(tmp_path / "snips", {"train": 4, "dev": 2, "test": 3}, hotwords=3)


@pytest.fixture
def earlier(tmp_path):
    out = tmp_path / "results" / "manifest.tsv"
    out.parent.mkdir()
    out.write_text(EARLIER)
    return out


def first_wav(root):
    return sorted(root.glob("TRAIN/DR*/*/SA1.WAV"))[0]


def expect_failure(fn, root, out, match):
    with pytest.raises(InputError, match=match):
        fn(root, out)
    assert out.read_text() == EARLIER


def test_truncated_sphere_header(timit_root, earlier):
    bad = first_wav(timit_root)
    bad.write_bytes(bad.read_bytes()[:300])
    expect_failure(convert_timit, timit_root, earlier, f"{bad}: truncated or corrupt SPHERE header")


def test_corrupt_sphere_header_field(timit_root, earlier):
    bad = first_wav(timit_root)
    raw = bytearray(bad.read_bytes())
    at = raw.index(b"sample_count -i ")
    raw[at + 16 : at + 20] = b"x7y8"
    bad.write_bytes(bytes(raw))
    expect_failure(convert_timit, timit_root, earlier, f"{bad}: corrupt SPHERE header")


def test_sphere_sample_count_disagrees_with_data(timit_root, earlier):
    bad = first_wav(timit_root)
    bad.write_bytes(bad.read_bytes()[:-100])
    expect_failure(convert_timit, timit_root, earlier, f"{bad}: SPHERE sample_count 1600 needs 3200 data bytes")


def test_shorten_compressed_sphere(timit_root, earlier):
    bad = first_wav(timit_root)
    head = sphere.header({"sample_count": 10, "sample_rate": 16000, "sample_coding": "pcm,embedded-shorten-v2.00"})
    bad.write_bytes(head + b"\x01" * 40)
    expect_failure(convert_timit, timit_root, earlier, f"{bad}: .*compressed.*sph2pipe")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "unreadable audio"),
        (b"\x00garbage bytes, not audio", "unreadable audio"),
        (None, "audio file holds no samples"),
    ],
    ids=["empty-file", "unreadable", "zero-samples"],
)
def test_empty_or_unreadable_wav(snips_root, earlier, content, message):
    bad = snips_root / "audio_files" / "train00000u0.wav"
    if content is None:
        sf.write(bad, np.zeros(0, np.float32), 16000)
    else:
        bad.write_bytes(content)
    expect_failure(convert_snips, snips_root, earlier, f"{bad}: {message}")


def test_riff_inside_timit_wav_name_is_fine(timit_root, tmp_path):
    wav = first_wav(timit_root)
    sf.write(wav, np.full(1600, 0.2, np.float32), 16000, format="WAV", subtype="PCM_16")
    (wav.parent / "SA1.WAV.wav").write_bytes(wav.read_bytes())  # the re-packaged twin
    rows = convert_timit(timit_root, tmp_path / "m.tsv")
    assert len(rows) == 9 * 10 and sum(r["utterance"].endswith("_SA1") for r in rows) == 9


def test_audio_all_silence_after_vad(tmp_path):
    path = tmp_path / "silent.wav"
    sf.write(path, np.zeros(16000, np.float32), 16000)
    out = tmp_path / "shard.npz"
    out.write_text(EARLIER)
    rows = [{"speaker": "s", "utterance": "u", "path": str(path)}]
    with pytest.raises(InputError, match=f"{path}: no speech left after VAD"):
        frontend.extract_rows(rows, FeatureParams(**schema.defaults("features.params")), STRICT).save(out)
    assert out.read_text() == EARLIER


def test_skip_policy_lists_each_file_and_counts(timit_root, earlier, caplog):
    bad = [first_wav(timit_root), sorted(timit_root.glob("TEST/DR*/*/SX10.WAV"))[0]]
    for b in bad:
        b.write_bytes(b"NIST_1A\n   1024\n")
    with caplog.at_level(logging.WARNING):
        rows = convert_timit(timit_root, earlier, policy="skip")
    assert len(rows) == 9 * 10 - 2
    assert all(any(str(b) in m for m in caplog.messages) for b in bad)
    assert any("skipped 2 bad file(s)" in m for m in caplog.messages)


def test_other_sample_rate_resampled_once_or_refused(snips_root, earlier, caplog, tmp_path):
    for k in range(3):
        sf.write(snips_root / "audio_files" / f"train0000{k}u0.wav", np.full(800, 0.1, np.float32), 8000)
    with caplog.at_level(logging.WARNING):
        convert_snips(snips_root, tmp_path / "ok.tsv")
    example = snips_root / "audio_files" / "train00000u0.wav"
    assert [m for m in caplog.messages if "resampled" in m] == [
        f"Snips: 3 of 27 files are at 8000 Hz and are resampled to 16000 Hz (e.g. {example})"
    ]
    with pytest.raises(InputError, match="3 of 27 files are not at 16000 Hz.*corpus.resample: true"):
        convert_snips(snips_root, earlier, resample=False)
    assert earlier.read_text() == EARLIER
    x = frontend.extract(
        snips_root / "audio_files" / "train00000u0.wav",
        FeatureParams(**schema.defaults("features.params")),
        read_policy(resample=True),
    )
    assert 9 <= len(x) <= 11  # 0.1 s at a 10 ms hop, at 16 kHz after resampling


def test_snips_json_problems_name_the_file(snips_root, earlier):
    (snips_root / "dev.json").write_text("[{")
    expect_failure(convert_snips, snips_root, earlier, f"{snips_root}/dev.json: not valid JSON")
    (snips_root / "dev.json").write_text(json.dumps([{"id": "x", "worker_id": "w"}]))
    expect_failure(convert_snips, snips_root, earlier, "dev.json: entry 0 lacks required key")


def test_snips_missing_audio_skipped_or_fatal(snips_root, earlier, tmp_path):
    missing = snips_root / "audio_files" / "test00001u2.wav"
    missing.unlink()
    expect_failure(
        convert_snips, snips_root, earlier, f"test.json: entry test00001u2 points to missing audio {missing}"
    )
    rows = convert_snips(snips_root, tmp_path / "m.tsv", policy="skip")
    assert len(rows) == 9 * 3 - 1
