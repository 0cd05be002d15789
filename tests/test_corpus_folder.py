"""A folder of speakers (ge2e.corpus.folder), the layout of external evaluation sets."""

import numpy as np
import pytest
import soundfile as sf
from audio_files import write_stereo

from ge2e.corpus import folder
from ge2e.errors import InputError


def test_a_corpus_with_multichannel_files_fails_at_probe_time_naming_the_key(tmp_path):
    root = tmp_path / "set"
    for speaker in ("a", "b"):
        (root / speaker).mkdir(parents=True)
        for k in range(2):
            sf.write(root / speaker / f"{k}.wav", np.full(1600, 0.25, np.float32), 16000)
    stereo = write_stereo(root / "b" / "call.sph", "sphere")
    with pytest.raises(InputError, match=rf"{stereo}: 2 channels; set corpus\.channel .*1 of 5 files"):
        folder.scan(root)
    rows = folder.scan(root, channel=2)
    assert len(rows) == 5
    with pytest.raises(InputError, match=rf"{stereo}: 2 channels, so there is no channel 3; set corpus\.channel"):
        folder.scan(root, channel=3)
