"""SPHERE as LDC's corpora ship it (ge2e.audio.sphere's header parsing, read through ge2e.audio.files): every
coding libsndfile decodes, each spelling, and the compressed and inconsistent files it refuses.

Files are generated with soundfile (it writes NIST SPHERE); the spellings other corpora use,
the compressed and the inconsistent cases are made by editing those headers in place.
"""

import numpy as np
import pytest
import soundfile as sf
from audio_files import RATE, STRICT, read_policy, tone, write_sphere

from ge2e.audio import files as audio
from ge2e.audio import sphere
from ge2e.errors import InputError

SUBTYPES = ["PCM_S8", "PCM_16", "PCM_24", "PCM_32", "ULAW", "ALAW"]


def edit_header(path, old, new):
    """Replace ``old`` by ``new`` in the header text, keeping it 1024 bytes (padded with spaces)."""
    raw = path.read_bytes()
    text = raw[: sphere.HEADER_BYTES].split(b"end_head")[0]
    assert old in text, text
    text = text.replace(old, new) + b"end_head\n"
    path.write_bytes(text.ljust(sphere.HEADER_BYTES, b" ") + raw[sphere.HEADER_BYTES :])


def header_text(path):
    return path.read_bytes()[: sphere.HEADER_BYTES].decode("latin-1")


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
    assert np.allclose(audio.read(path, STRICT), samples / 32768.0)


def test_compressed_sphere_is_refused_with_a_fix(tmp_path):
    path = tmp_path / "X.WAV"
    head = sphere.header({"sample_coding": "pcm,embedded-shorten-v2.00", "sample_n_bytes": 2, "channel_count": 1})
    path.write_bytes(head + b"\x00" * 100)
    with pytest.raises(InputError, match="X.WAV.*compressed.*sph2pipe"):
        audio.read(path, STRICT)


@pytest.mark.parametrize("channels", [1, 2])
@pytest.mark.parametrize("subtype", SUBTYPES)
def test_every_sphere_coding_libsndfile_writes_is_read(tmp_path, subtype, channels):
    path = write_sphere(tmp_path / "x.sph", subtype, channels)
    got, rate = audio.read_sphere(path)
    expected, _ = sf.read(path, dtype="float32", always_2d=True)  # libsndfile's own reading
    assert rate == RATE and got.shape == (800, channels) and got.dtype == np.float32
    assert np.array_equal(got, expected)
    assert np.abs(got - tone(800, channels)).max() < 0.02  # 8-bit and companded codings are coarse
    assert audio.probe(path) == (RATE, 800, channels)


def test_big_endian_pcm(tmp_path):
    path = write_sphere(tmp_path / "be.sph", "PCM_16", endian="BIG")
    assert "sample_byte_format -s2 10" in header_text(path)
    got, _ = audio.read_sphere(path)
    assert np.abs(got[:, 0] - tone()[:, 0]).max() < 1e-4


@pytest.mark.parametrize("spelling", [b"ulaw", b"mu-law", b"pculaw"])
def test_each_ldc_spelling_of_mu_law(tmp_path, spelling):
    path = write_sphere(tmp_path / "u.sph", "ULAW", channels=2)
    expected, _ = audio.read_sphere(path)
    edit_header(path, b"sample_coding -s4 ulaw", b"sample_coding -s%d %s" % (len(spelling), spelling))
    if spelling == b"pculaw":  # mu-law with each byte's bits reversed
        raw = path.read_bytes()
        reverse = bytes(int(f"{b:08b}"[::-1], 2) for b in range(256))
        path.write_bytes(raw[: sphere.HEADER_BYTES] + raw[sphere.HEADER_BYTES :].translate(reverse))
    got, rate = audio.read_sphere(path)
    assert rate == RATE and np.array_equal(got, expected)
    assert np.allclose(audio.read(path, read_policy(sample_rate=RATE, channel=2)), expected[:, 1])


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (b"channel_count -i 2", b"channel_count -s1 2"),
        (b"sample_rate -i 8000", b"sample_rate -s4 8000"),
        (b"sample_count -i 800", b"sample_count -s3 800"),
        (b"sample_n_bytes -i 2", b"sample_n_bytes -s1 2"),
        (b"sample_rate -i 8000", b"sample_rate -r 8000.0"),
    ],
)
def test_numeric_fields_typed_as_strings_or_reals(tmp_path, old, new):
    path = write_sphere(tmp_path / "s.sph", "PCM_16", channels=2)
    expected, _ = audio.read_sphere(path)
    edit_header(path, old, new)
    got, rate = audio.read_sphere(path)
    assert rate == RATE and np.array_equal(got, expected)


def test_header_longer_than_1024_bytes(tmp_path):
    path = write_sphere(tmp_path / "long.sph", "PCM_16", channels=2)
    expected, _ = audio.read_sphere(path)
    raw = path.read_bytes()
    head = raw[: sphere.HEADER_BYTES].split(b"end_head")[0].replace(b"   1024\n", b"   2048\n") + b"end_head\n"
    path.write_bytes(head.ljust(2048, b" ") + raw[sphere.HEADER_BYTES :])
    got, _ = audio.read_sphere(path)
    assert np.array_equal(got, expected)


def test_soundfile_writes_string_typed_sample_n_bytes(tmp_path):
    path = write_sphere(tmp_path / "u.sph", "ULAW")
    assert "sample_n_bytes -s1 1" in header_text(path)
    assert audio.probe(path) == (RATE, 800, 1)


@pytest.mark.parametrize(("subtype", "channels"), [("ULAW", 1), ("PCM_16", 2), ("PCM_S8", 2)])
def test_one_byte_short_of_sample_count_names_the_file(tmp_path, subtype, channels):
    path = write_sphere(tmp_path / "short.sph", subtype, channels)
    path.write_bytes(path.read_bytes()[:-1])
    sf.read(path)  # libsndfile reads it without a word: the project's own check is what catches it
    with pytest.raises(InputError, match=r"short\.sph: SPHERE sample_count 800 needs \d+ data bytes"):
        audio.probe(path)
    with pytest.raises(InputError, match=r"short\.sph: SPHERE sample_count 800"):
        audio.read(path, read_policy(sample_rate=RATE))


@pytest.mark.parametrize(
    ("fields", "name"),
    [
        ({"sample_coding": "pcm,embedded-shorten-v2.00", "sample_byte_format": "01"}, "shorten"),
        ({"sample_coding": "ulaw,embedded-shorten-v2.00", "sample_n_bytes": 1}, "shorten"),
        ({"sample_coding": "pcm,embedded-wavpack-v1.0", "sample_byte_format": "01"}, "wavpack"),
        ({"sample_coding": "pcm", "sample_byte_format": "shortpack-v0"}, "shortpack"),
        ({"sample_byte_format": "shortpack-v0"}, "shortpack"),
    ],
    ids=["shorten", "ulaw-shorten", "wavpack", "shortpack", "shortpack-no-coding"],
)
def test_compressed_sphere_names_its_compression_and_the_fix(tmp_path, fields, name):
    path = tmp_path / "c.sph"
    head = sphere.header({"channel_count": 2, "sample_count": 8000, "sample_rate": RATE, "sample_n_bytes": 2, **fields})
    path.write_bytes(head + b"\x5a" * 3000)  # compressed: far fewer bytes than sample_count says
    for read in (audio.probe, lambda p: audio.read(p, read_policy(sample_rate=RATE))):
        with pytest.raises(InputError, match=rf"c\.sph: SPHERE samples are compressed \({name}\b") as err:
            read(path)
        assert "sph2pipe -f wav" in str(err.value) and "truncated" not in str(err.value)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"sample_coding": "adpcm"}, "sample_coding 'adpcm' is not read"),
        ({"sample_coding": "pcm", "sample_n_bytes": 8}, "sample_n_bytes 8 is not read"),
        ({"sample_coding": "ulaw", "sample_n_bytes": 2}, "ulaw samples are 1 byte"),
        ({"sample_byte_format": "1x"}, "sample_byte_format '1x' is not a byte order"),
        ({"channel_count": "two"}, "channel_count is 'two', not an integer"),
        ({"channels_interleaved": "FALSE", "channel_count": 2}, "not interleaved"),
    ],
)
def test_unreadable_layouts_are_refused_naming_the_file(tmp_path, fields, message):
    path = tmp_path / "odd.sph"
    base = {"channel_count": 1, "sample_count": 20, "sample_rate": RATE, "sample_n_bytes": 2, "sample_coding": "pcm"}
    path.write_bytes(sphere.header({**base, **fields}) + b"\x00" * 40)
    with pytest.raises(InputError, match=rf"odd\.sph: .*{message}"):
        audio.read(path, read_policy(sample_rate=RATE))
