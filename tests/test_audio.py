"""Reading audio (ge2e.audio): any format by its content, one clear error per bad file, and the
channel policy for multi-channel files."""

import numpy as np
import pytest
import soundfile as sf
from audio_files import STRICT, read_policy, write_sphere, write_stereo

from ge2e import audio
from ge2e.errors import InputError


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
