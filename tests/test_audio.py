"""Reading audio (ge2e.audio): any format by its content, one clear error per bad file, and the
channel policy for multi-channel files."""

import numpy as np
import pytest
import soundfile as sf
from audio_files import write_sphere, write_stereo

from ge2e import audio
from ge2e.errors import InputError


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


@pytest.mark.parametrize("kind", ["wav", "flac", "sphere"])
def test_multichannel_is_read_only_with_a_channel_policy(tmp_path, kind):
    path = write_stereo(tmp_path / f"two.{kind}", kind)
    with pytest.raises(InputError, match=r"two\.\w+: 2 channels; set corpus\.channel to a channel number.*'mix'"):
        audio.read(path)
    assert np.allclose(audio.read(path, channel=1), 0.25, atol=1e-4)
    assert np.allclose(audio.read(path, channel=2), -0.5, atol=1e-4)
    assert np.allclose(audio.read(path, channel="mix"), -0.125, atol=1e-4)
    with pytest.raises(InputError, match=r"two\.\w+: 2 channels, so there is no channel 3"):
        audio.read(path, channel=3)


def test_mono_is_read_whatever_the_policy(tmp_path):
    path = tmp_path / "mono.wav"
    sf.write(path, np.full(1600, 0.25, np.float32), 16000)
    for channel in (None, 1, 2, "mix"):
        assert np.allclose(audio.read(path, channel=channel), 0.25, atol=1e-4)


def test_telephone_sphere_channel_is_resampled(tmp_path):
    path = write_sphere(tmp_path / "phone.sph", "ULAW", channels=2, frames=8000)
    with pytest.raises(InputError, match="8000 Hz, expected 16000 Hz"):
        audio.read(path, 16000, resample=False, channel=1)
    left = audio.read(path, 16000, resample=True, channel=1)
    assert left.shape == (16000,) and abs(np.abs(left).max() - 0.5) < 0.05
