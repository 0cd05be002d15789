"""TIMIT (ge2e.corpus.timit): its layouts and spellings, the validation split, conversion to 16 kHz WAV."""

import numpy as np
import pytest
import soundfile as sf
from audio_files import write_stereo

from ge2e import audio
from ge2e.corpus import timit
from ge2e.errors import InputError


def test_timit_convert_writes_the_chosen_channel(tmp_path):
    for part, speaker in (("TRAIN", "FCJF0"), ("TEST", "MDAB0")):
        (tmp_path / "TIMIT" / part / "DR1" / speaker).mkdir(parents=True)
        write_stereo(tmp_path / "TIMIT" / part / "DR1" / speaker / "SA1.WAV", "sphere")
    rows = timit.scan(tmp_path / "TIMIT")
    with pytest.raises(InputError, match=r"SA1\.WAV: 2 channels; set corpus\.channel"):
        timit.convert(rows, tmp_path / "wav")
    for out in timit.convert(rows, tmp_path / "wav", channel=2):
        assert sf.info(out["path"]).channels == 1
        assert np.allclose(audio.read(out["path"]), -0.5, atol=1e-4)
