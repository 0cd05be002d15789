"""Reading audio (ge2e.audio.files): any format by its content (m4a through PyAV), one clear error per bad file, and
the channel policy for multi-channel files."""

import sys

import numpy as np
import pytest
import soundfile as sf
from audio_files import STRICT, read_policy, write_m4a, write_sphere, write_stereo

from ge2e.audio import files as audio
from ge2e.audio.badfiles import BadFiles
from ge2e.errors import InputError, MissingDependency


def test_riff_named_wav_is_read_by_content(tmp_path):
    path = tmp_path / "SA1.WAV"  # a RIFF file with TIMIT's name
    sf.write(path, np.full(1600, 0.25, np.float32), 16000, subtype="PCM_16", format="WAV")
    assert not audio.is_sphere(path)
    assert np.allclose(audio.read(path, STRICT), 0.25, atol=1e-4)


def test_unreadable_and_wrong_rate_name_the_file(tmp_path):
    bad = tmp_path / "broken.wav"
    bad.write_bytes(b"RIFF\x00\x00garbage")
    with pytest.raises(InputError, match="broken.wav"):
        audio.read(bad, STRICT)
    other = tmp_path / "8k.wav"
    sf.write(other, np.zeros(800, np.float32), 8000)
    with pytest.raises(InputError, match="8k.wav.*8000 Hz"):
        audio.read(other, STRICT)


@pytest.mark.parametrize("kind", ["wav", "flac", "sphere"])
def test_multichannel_is_read_only_with_a_channel_policy(tmp_path, kind):
    path = write_stereo(tmp_path / f"two.{kind}", kind)
    with pytest.raises(InputError, match=r"two\.\w+: 2 channels; set corpus\.channel to a channel number.*'mix'"):
        audio.read(path, STRICT)
    assert np.allclose(audio.read(path, read_policy(channel=1)), 0.25, atol=1e-4)
    assert np.allclose(audio.read(path, read_policy(channel=2)), -0.5, atol=1e-4)
    assert np.allclose(audio.read(path, read_policy(channel="mix")), -0.125, atol=1e-4)
    with pytest.raises(InputError, match=r"two\.\w+: 2 channels, so there is no channel 3"):
        audio.read(path, read_policy(channel=3))


def test_mono_is_read_whatever_the_policy(tmp_path):
    path = tmp_path / "mono.wav"
    sf.write(path, np.full(1600, 0.25, np.float32), 16000)
    for channel in (None, 1, 2, "mix"):
        assert np.allclose(audio.read(path, read_policy(channel=channel)), 0.25, atol=1e-4)


def test_telephone_sphere_channel_is_resampled(tmp_path):
    path = write_sphere(tmp_path / "phone.sph", "ULAW", channels=2, frames=8000)
    with pytest.raises(InputError, match="8000 Hz, expected 16000 Hz"):
        audio.read(path, read_policy(channel=1))
    left = audio.read(path, read_policy(resample=True, channel=1))
    assert left.shape == (16000,) and abs(np.abs(left).max() - 0.5) < 0.05


def test_read_policy_checks_a_corpus_and_collects_its_bad_files(tmp_path, caplog):
    rates, channels = {"a.wav": 16000, "b.wav": 8000}, {"a.wav": 1, "b.wav": 2}
    with pytest.raises(InputError, match=r"c: 1 of 2 files are not at 16000 Hz \(8000 Hz; e\.g\. b\.wav\)"):
        STRICT.check(rates, channels, "c")
    with pytest.raises(InputError, match=r"b\.wav: 2 channels; set corpus\.channel"):
        read_policy(resample=True).check(rates, channels, "c")
    read_policy(resample=True, channel="mix").check(rates, channels, "c")
    bad = read_policy(on_bad_file="skip").bad_files("convert")
    assert bad.call(audio.read, tmp_path / "missing.wav", STRICT) is None and len(bad.skipped) == 1
    with pytest.raises(InputError, match="missing.wav"):
        STRICT.bad_files("convert").call(audio.read, tmp_path / "missing.wav", STRICT)


def test_m4a_is_decoded_by_content_and_probed_from_its_header(tmp_path):
    t = np.arange(16000) / 16000
    stereo = np.stack([0.3 * np.sin(2 * np.pi * 220 * t), 0.1 * np.sin(2 * np.pi * 440 * t)], 1)
    path = write_m4a(tmp_path / "00001.m4a", stereo)
    assert audio.is_mp4(path) and not audio.is_mp4(write_stereo(tmp_path / "x.wav", "wav"))
    rate, frames, channels = audio.probe(path)
    assert (rate, channels) == (16000, 2) and 16000 <= frames <= 16000 + 2 * 1024  # AAC priming and padding
    with pytest.raises(InputError, match=r"00001\.m4a: 2 channels; set corpus\.channel"):
        audio.read(path, STRICT)
    left, right = audio.read(path, read_policy(channel=1)), audio.read(path, read_policy(channel=2))
    assert 16000 <= len(left) <= 16000 + 3 * 1024
    middle = slice(4000, 12000)  # past the codec's onset transient
    assert abs(np.abs(left[middle]).max() - 0.3) < 0.01 and abs(np.abs(right[middle]).max() - 0.1) < 0.01
    mono = write_m4a(tmp_path / "mono.M4A", 0.3 * np.sin(2 * np.pi * 220 * t[:8000]), rate=8000)
    assert audio.probe(mono)[::2] == (8000, 1) and len(audio.read(mono, read_policy(resample=True))) >= 16000


def test_broken_m4a_names_the_file(tmp_path):
    path = write_m4a(tmp_path / "00002.m4a", np.zeros(4000))
    whole = path.read_bytes()
    for broken in (whole[:300], whole[:12] + b"garbage" * 40):  # cut before the moov box; a corrupt body
        path.write_bytes(broken)
        with pytest.raises(InputError, match=r"00002\.m4a: unreadable audio"):
            audio.probe(path)
        with pytest.raises(InputError, match=r"00002\.m4a: unreadable audio"):
            audio.read(path, STRICT)


def test_m4a_without_pyav_says_what_to_install_and_is_never_skipped(tmp_path, monkeypatch):
    path = write_m4a(tmp_path / "00003.m4a", np.zeros(4000))
    monkeypatch.setitem(sys.modules, "av", None)  # import av now raises ImportError
    for call in (lambda: audio.probe(path), lambda: audio.read(path, STRICT)):
        with pytest.raises(MissingDependency, match=r"00003\.m4a: MP4/M4A audio is decoded with PyAV.*av=="):
            call()
    with pytest.raises(MissingDependency):  # every m4a would fail alike: not a bad file to skip
        BadFiles("skip", "convert").call(audio.probe, path)
