"""Feature shards read in place (ge2e.features.npz): zip64 offsets, compressed members, and a truncated,
corrupt or foreign file as an InputError naming it."""

import numpy as np
import pytest
from feature_sets import feature_set

from ge2e.errors import InputError
from ge2e.features.store import FeatureSet


def test_shard_past_4_gib_in_a_zip64_archive(tmp_path):
    fs = feature_set([2, 1])
    with open(tmp_path / "far.npz", "wb") as fh:
        fh.seek(2**32 + 1000)  # a hole: the archive starts past 4 GiB (zip64 offsets), the file stays sparse
        np.savez(fh, features=fs.features, lengths=fs.lengths, speakers=fs.speakers, utterances=fs.utterances)
    back = FeatureSet.load(tmp_path / "far.npz")
    assert back.shards[0].data > 2**32 and np.array_equal(back.in_memory().features, fs.features)
    assert back.digest() == fs.digest()


def test_compressed_shard_is_read_into_memory(tmp_path):
    fs = feature_set([2, 2])
    np.savez_compressed(
        tmp_path / "z.npz", **{k: getattr(fs, k) for k in ("features", "lengths", "speakers", "utterances")}
    )
    back = FeatureSet.load(tmp_path / "z.npz")
    assert back.shards[0].mapped is None and back.digest() == fs.digest()


@pytest.mark.parametrize("order", ["F", "C"])
def test_truncated_corrupt_or_foreign_shard_is_an_input_error_naming_it(tmp_path, order):
    fs = feature_set([3, 3])
    fs.features = np.asarray(fs.features, order=order)
    fs.save(tmp_path / "good.npz")
    data = (tmp_path / "good.npz").read_bytes()
    (tmp_path / "cut.npz").write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match=r"cut\.npz: not a readable feature shard \(BadZipFile"):
        FeatureSet.load([tmp_path / "good.npz", tmp_path / "cut.npz"])
    np.savez(tmp_path / "other.npz", features=fs.features)
    with pytest.raises(InputError, match=r"other\.npz: not a readable feature shard .*no lengths, speakers"):
        FeatureSet.load(tmp_path / "other.npz")
    with pytest.raises(InputError, match=r"gone\.npz: no such feature shard"):
        FeatureSet.load(tmp_path / "gone.npz")
    # A flipped byte among the frames reads (maps are not checked on every read) until a full pass meets its CRC.
    at = data.index(
        np.asarray(fs.features, order="C")[150].tobytes() if order == "C" else fs.features[150:200, 1].tobytes()
    )
    (tmp_path / "flip.npz").write_bytes(data[:at] + bytes([data[at] ^ 1]) + data[at + 1 :])
    flipped = FeatureSet.load([tmp_path / "good.npz", tmp_path / "flip.npz"])
    for scan in (flipped.digest, flipped.frame_stats):
        with pytest.raises(InputError, match=r"flip\.npz: feature shard is corrupt \(CRC mismatch\)"):
            scan()
