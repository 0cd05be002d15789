import numpy as np
import pytest
import soundfile as sf

from ge2e import audio, sphere
from ge2e.errors import InputError


def test_sphere_header_and_samples_round_trip(tmp_path):
    samples = (np.sin(np.arange(16000) / 10) * 12000).astype(np.int16)
    path = tmp_path / "SA1.WAV"
    sphere.write_timit(path, samples, "cjf0_sa1")
    raw = path.read_bytes()
    assert raw.startswith(b"NIST_1A\n   1024\n") and len(raw) == 1024 + 2 * len(samples)
    header = raw[:1024].decode("latin-1")
    for field in (
        "database_id -s5 TIMIT",
        "utterance_id -s8 cjf0_sa1",
        "channel_count -i 1",
        f"sample_count -i {len(samples)}",
        "sample_rate -i 16000",
        "sample_n_bytes -i 2",
        "sample_byte_format -s2 01",
        "sample_sig_bits -i 16",
        "end_head",
    ):
        assert field in header
    assert audio.is_sphere(path)
    got, rate = audio.read_sphere(path)
    assert rate == 16000 and got.shape == (len(samples), 1) and np.array_equal(got[:, 0] * 32768, samples)
    assert np.allclose(audio.read(path), samples / 32768.0)


def test_riff_named_wav_is_read_by_content(tmp_path):
    path = tmp_path / "SA1.WAV"  # a RIFF file with TIMIT's name
    sf.write(path, np.full(1600, 0.25, np.float32), 16000, subtype="PCM_16", format="WAV")
    assert not audio.is_sphere(path)
    assert np.allclose(audio.read(path), 0.25, atol=1e-4)


def test_unreadable_and_wrong_rate_name_the_file(tmp_path):
    bad = tmp_path / "broken.wav"
    bad.write_bytes(b"RIFF\x00\x00garbage")
    with pytest.raises(InputError, match="broken.wav"):
        audio.read(bad)
    other = tmp_path / "8k.wav"
    sf.write(other, np.zeros(800, np.float32), 8000)
    with pytest.raises(InputError, match="8k.wav.*8000 Hz"):
        audio.read(other)


def test_compressed_sphere_is_refused_with_a_fix(tmp_path):
    path = tmp_path / "X.WAV"
    head = sphere.header({"sample_coding": "pcm,embedded-shorten-v2.00", "sample_n_bytes": 2, "channel_count": 1})
    path.write_bytes(head + b"\x00" * 100)
    with pytest.raises(InputError, match="X.WAV.*compressed.*sph2pipe"):
        audio.read(path)
