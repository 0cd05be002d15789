"""SPHERE as LDC's corpora ship it (every coding libsndfile decodes, each spelling), and multi-channel audio.

Files are generated with soundfile (it writes NIST SPHERE); the spellings other corpora use,
the compressed and the inconsistent cases are made by editing those headers in place.
"""

import numpy as np
import pytest
import soundfile as sf

from ge2e import audio, cli, sphere
from ge2e.corpus import folder, timit
from ge2e.errors import InputError

RATE = 8000
SUBTYPES = ["PCM_S8", "PCM_16", "PCM_24", "PCM_32", "ULAW", "ALAW"]


def tone(frames=800, channels=1):
    """(S, C) float32: a different sine per channel, so channels are told apart."""
    t = np.arange(frames) / RATE
    return np.stack([0.5 * np.sin(2 * np.pi * 200 * (c + 1) * t) for c in range(channels)], 1).astype(np.float32)


def write_sphere(path, subtype="ULAW", channels=1, frames=800, **kwargs):
    data = tone(frames, channels)
    sf.write(path, data, RATE, format="NIST", subtype=subtype, **kwargs)
    return path


def edit_header(path, old, new):
    """Replace ``old`` by ``new`` in the header text, keeping it 1024 bytes (padded with spaces)."""
    raw = path.read_bytes()
    text = raw[: sphere.HEADER_BYTES].split(b"end_head")[0]
    assert old in text, text
    text = text.replace(old, new) + b"end_head\n"
    path.write_bytes(text.ljust(sphere.HEADER_BYTES, b" ") + raw[sphere.HEADER_BYTES :])


def header_text(path):
    return path.read_bytes()[: sphere.HEADER_BYTES].decode("latin-1")


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
    assert np.allclose(audio.read(path, RATE, channel=2), expected[:, 1])


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
        audio.read(path, RATE)


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
    for fn in (audio.probe, audio.read):
        with pytest.raises(InputError, match=rf"c\.sph: SPHERE samples are compressed \({name}\b") as err:
            fn(path)
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
        audio.read(path, RATE)


def write_stereo(path, kind):
    """A 2-channel 16 kHz file of ``kind`` (wav, flac, sphere) and its (S, 2) samples."""
    data = np.stack([np.full(1600, 0.25, np.float32), np.full(1600, -0.5, np.float32)], 1)
    fmt = {"wav": "WAV", "flac": "FLAC", "sphere": "NIST"}[kind]
    sf.write(path, data, 16000, format=fmt, subtype="PCM_16")
    return path


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


def speechy(seed):
    """One second of loud noise bursts: enough for VAD to keep."""
    rng = np.random.default_rng(seed)
    wave = rng.standard_normal(16000).astype(np.float32) * 0.3
    wave[::4000] = 0
    return wave * np.repeat(rng.uniform(0.2, 1, 8), 2000).astype(np.float32)


@pytest.fixture
def fake_model(monkeypatch):
    """``ge2e`` commands without a checkpoint: the 'embedding' is each file's mean log-mel."""

    class MeanEmbedder:
        def __init__(self, model, frames):
            pass

        def utterances(self, fs):
            return np.stack([u.mean(axis=0) for u in fs.split_utterances()])

    ckpt = {"feature_params": {}, "train_params": {"frames": [80]}, "eer_threshold": 0.5}
    monkeypatch.setattr(cli, "load_encoder", lambda path: (None, ckpt))
    monkeypatch.setattr(cli, "EncoderEmbedder", MeanEmbedder)


def test_cli_channel_option(tmp_path, fake_model, capsys):
    left, right = speechy(1), speechy(2)
    stereo = tmp_path / "call.flac"
    sf.write(stereo, np.stack([left, right], 1), 16000)
    mono = tmp_path / "right.wav"
    sf.write(mono, right, 16000)
    out = tmp_path / "e.npy"
    assert cli.main(["embed", "--checkpoint", "x.pt", str(stereo), "--out", str(out)]) == 1
    assert f"{stereo}: 2 channels; use --channel N (1 = first) or --channel mix" in capsys.readouterr().err
    assert cli.main(["embed", "--checkpoint", "x.pt", str(stereo), str(mono), "--channel", "2", "--out", str(out)]) == 0
    emb = np.load(out)
    assert np.allclose(emb[0], emb[1], atol=1e-3)
    argv = ["verify", "--checkpoint", "x.pt", "--enroll", str(stereo), "--test", str(mono)]
    assert cli.main(argv) == 1 and "--channel" in capsys.readouterr().err
    assert cli.main([*argv, "--channel", "mix"]) == 0
    with pytest.raises(SystemExit):
        cli.main([*argv, "--channel", "0"])
    assert "neither a channel number" in capsys.readouterr().err
