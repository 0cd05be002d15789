"""Reading audio of any supported kind into float32 mono at the pipeline's rate.

SPHERE is recognised by its magic bytes, not its name (TIMIT copies differ in both
case and format); its header is checked by ``ge2e.audio.sphere`` and its samples decoded by
libsndfile's raw reader. MP4/M4A (AAC, as VoxCeleb2 ships) is recognised by its ``ftyp``
box and decoded with PyAV (``av``, which bundles ffmpeg), imported only when such a file
is met. Everything else goes through soundfile. Multi-channel audio is
read only with a channel policy (``corpus.channel``, ``--channel``): in telephone corpora
each channel is a different speaker, so a silent mix-down would be wrong. Every failure
becomes an ``InputError`` naming the file.

How a corpus is read is one ``ReadPolicy``: the rate, whether to resample, the channel and
what to do with a bad file travel together from the config to every reader.
"""

import dataclasses
import io
import logging
import os

import numpy as np
import soundfile as sf

from ge2e import portable
from ge2e.audio import sphere
from ge2e.audio.badfiles import BadFiles
from ge2e.errors import InputError, MissingDependency

# The file names a folder of audio is searched for (suffixes, compared case-insensitively): every kind this module
# reads, each by its content (SPHERE by its magic, MP4/M4A by its ftyp box, the rest through libsndfile). The one
# list the folder readers use: speaker folders (corpus.folder, evaluate.external), VoxCeleb, Speech Commands.
SUFFIXES = (".wav", ".flac", ".sph", ".m4a", ".ogg", ".opus", ".mp3", ".aif", ".aiff")
MIX = "mix"
CONFIG_FIX = "set corpus.channel to a channel number (1 = first) or 'mix'"
PYAV = "av==18.1.0"  # the PyAV pin of requirements.txt, named in the error when it is missing
# pculaw stores each mu-law byte with its bits reversed; this table reverses them back.
_BIT_REVERSE = bytes(int(f"{b:08b}"[::-1], 2) for b in range(256))


@dataclasses.dataclass(frozen=True)
class ReadPolicy:
    """How every audio file of a run is read: the config's ``features.params.sample_rate`` and
    ``corpus.resample``, ``corpus.channel``, ``corpus.on_bad_file``.

    Every field is required: config/schema.yaml holds the defaults, and the run planner builds the
    policy once (``ge2e.plan.params.read_policy``) for every rule that reads audio.
    """

    sample_rate: int  # Hz the audio is read at
    resample: bool  # resample audio at another rate (one warning per corpus); false refuses it
    channel: int | str | None  # see ``pick_channel``: None, a channel number from 1, or "mix"
    on_bad_file: str  # ``ge2e.audio.badfiles.POLICIES``: skip or fail

    def bad_files(self, stage):
        """A fresh ``ge2e.audio.badfiles.BadFiles`` collecting ``stage``'s bad files under this policy."""
        return BadFiles(self.on_bad_file, stage)

    def check(self, rates, channels, corpus):
        """One decision per corpus, before any file is read: ``check_rates`` and ``check_channels``."""
        check_rates(rates, self.sample_rate, self.resample, corpus)
        check_channels(channels, self.channel, corpus)


def is_sphere(path):
    """True when ``path`` starts with the NIST SPHERE magic."""
    with open(path, "rb") as fh:
        return fh.read(len(sphere.MAGIC)) == sphere.MAGIC


def is_mp4(path):
    """True when ``path`` is an ISO media file (MP4, M4A): an ``ftyp`` box at byte 4."""
    with open(path, "rb") as fh:
        return fh.read(8)[4:8] == b"ftyp"


def _pyav(path):
    """The ``av`` module; MissingDependency naming the file and what to install when it is absent."""
    try:
        import av
    except ImportError:
        raise MissingDependency(
            f"{path}: MP4/M4A audio is decoded with PyAV, which is not installed: pip install {PYAV} "
            "(pinned in requirements.txt; it bundles ffmpeg, nothing else is needed)"
        ) from None
    return av


def _mp4_stream(container, path):
    if not container.streams.audio:
        raise InputError(f"{path}: unreadable audio (an MP4 file with no audio stream, or truncated)")
    return container.streams.audio[0]


def probe_mp4(path):
    """(sample_rate, samples per channel, channels) of an MP4/M4A file from its header (the ``moov`` box).

    The sample count is the stream's duration times its rate: it includes the encoder's priming
    samples (AAC: 1024), so it may exceed the decoded audio by a frame or two.
    """
    av = _pyav(path)
    try:
        with av.open(str(path)) as container:
            stream = _mp4_stream(container, path)
            rate, channels = stream.codec_context.sample_rate, stream.codec_context.channels
            if stream.duration is not None:
                seconds = stream.duration * stream.time_base
            else:
                seconds = (container.duration or 0) / av.time_base
    except av.FFmpegError as exc:
        raise InputError(f"{path}: unreadable audio ({exc})") from None
    return rate, int(round(seconds * rate)), channels


_PCM_SCALE = {"s16": 32768.0, "s16p": 32768.0, "s32": 2147483648.0, "s32p": 2147483648.0}


def read_mp4(path):
    """Decode an MP4/M4A file. Returns ``(samples (S, C) float32, sample_rate)``."""
    av = _pyav(path)
    chunks = []
    try:
        with av.open(str(path)) as container:
            stream = _mp4_stream(container, path)
            rate = stream.codec_context.sample_rate
            for frame in container.decode(stream):
                data = frame.to_ndarray()  # planar: (C, n); packed: (1, n * C)
                if not frame.format.is_planar:
                    data = data.reshape(-1, frame.layout.nb_channels).T
                scale = _PCM_SCALE.get(frame.format.name)
                chunks.append(data / scale if scale else data)
    except av.FFmpegError as exc:
        raise InputError(f"{path}: unreadable audio ({exc})") from None
    if not chunks:
        return np.zeros((0, 1), np.float32), rate
    return np.concatenate(chunks, axis=1).T.astype(np.float32), rate


def sphere_header(path):
    """The checked ``ge2e.audio.sphere.Layout`` of a SPHERE file; InputError naming the file when unusable.

    Catches a truncated or corrupt header, a sample_count that disagrees with the data,
    compressed samples and codings that are not read (``ge2e.audio.sphere.parse_header``).
    """
    with open(path, "rb") as fh:
        head = fh.read(64 * sphere.HEADER_BYTES)  # headers are 1024 bytes, rarely a few times that
    try:
        return sphere.parse_header(head, os.path.getsize(path))
    except ValueError as exc:
        raise InputError(f"{path}: {exc}") from None


def read_sphere(path):
    """Read a SPHERE file. Returns ``(samples (S, C) float32 in [-1, 1], sample_rate)``.

    The header is checked first (``sphere_header``); libsndfile then decodes the data as
    raw samples of the layout found there, so every spelling of a coding reads the same.
    """
    layout = sphere_header(path)
    with open(path, "rb") as fh:
        fh.seek(layout.header_bytes)
        data = fh.read()
    if layout.bit_reversed:
        data = data.translate(_BIT_REVERSE)
    samples, _ = sf.read(
        io.BytesIO(data),
        dtype="float32",
        always_2d=True,
        format="RAW",
        subtype=layout.subtype,
        endian=layout.endian,
        channels=layout.channels,
        samplerate=layout.sample_rate,
    )
    return samples, layout.sample_rate


def probe(path):
    """(sample_rate, samples per channel, channels) from the header only; InputError naming the file when bad.

    Cheap enough to run over a whole corpus at conversion time, so rate and channel
    problems and broken files are reported before any feature job starts.
    """
    try:
        if is_sphere(path):
            layout = sphere_header(path)
            rate, frames, channels = layout.sample_rate, layout.frames, layout.channels
        elif is_mp4(path):
            rate, frames, channels = probe_mp4(path)
        else:
            info = sf.info(str(path))
            rate, frames, channels = info.samplerate, info.frames, info.channels
    except (OSError, RuntimeError, sf.LibsndfileError) as exc:
        raise InputError(f"{path}: unreadable audio ({exc})") from None
    if frames == 0:
        raise InputError(f"{path}: audio file holds no samples")
    return int(rate), int(frames), int(channels)


def pick_channel(samples, channel, path):
    """One channel of ``samples`` (S, C) as (S,), following the channel policy.

    ``channel``: None (a multi-channel file is an error), a channel number from 1, or
    ``"mix"`` (the mean of the channels). Mono audio is returned as it is whatever the policy.
    """
    count = samples.shape[1]
    if count == 1:
        return samples[:, 0]
    if channel is None:
        raise InputError(f"{path}: {count} channels; {CONFIG_FIX} (ge2e embed/verify: --channel)")
    if channel == MIX:
        return samples.mean(axis=1)
    if not 1 <= channel <= count:
        raise InputError(f"{path}: {count} channels, so there is no channel {channel} (channels count from 1)")
    return samples[:, channel - 1]


def read(path, policy):
    """Read ``path`` (SPHERE, wav, flac, m4a, ...) as float32 mono in [-1, 1] at ``policy.sample_rate``. Returns (S,).

    Multi-channel audio is reduced by ``policy.channel`` (see ``pick_channel``). Audio at another
    rate is resampled (``ge2e.portable.resample``: the same bits on any CPU) when ``policy.resample``
    is true and refused otherwise: never silently read at the wrong rate. (``policy.on_bad_file`` is
    the caller's: this raises InputError for the caller's ``BadFiles``.)
    """
    sample_rate = policy.sample_rate
    try:
        if is_sphere(path):
            samples, rate = read_sphere(path)
        elif is_mp4(path):
            samples, rate = read_mp4(path)
        else:
            samples, rate = sf.read(str(path), dtype="float32", always_2d=True)
    except InputError:
        raise
    except (OSError, RuntimeError, sf.LibsndfileError) as exc:
        raise InputError(f"{path}: unreadable audio ({exc})") from exc
    if samples.size == 0:
        raise InputError(f"{path}: audio file holds no samples")
    audio = pick_channel(samples, policy.channel, path)
    if rate != sample_rate:
        if not policy.resample:
            raise InputError(
                f"{path}: sample rate {rate} Hz, expected {sample_rate} Hz (set corpus.resample: true to resample)"
            )
        audio = portable.resample(audio, rate, sample_rate).astype(np.float32)
    return audio


def check_channels(channels, channel, corpus, fix=CONFIG_FIX):
    """One decision per corpus on multi-channel files, before any is read.

    Args:
        channels: dict path -> channel count of every file.
        channel: the policy (see ``pick_channel``).
        fix: what the user should do, naming the config key or option.
    Raises InputError naming a file when multi-channel files meet no policy, or a channel
    number beyond what a multi-channel file holds.
    """
    multi = {p: c for p, c in channels.items() if c > 1}
    if not multi:
        return
    first, count = next(iter(multi.items()))
    if channel is None:
        raise InputError(
            f"{first}: {count} channels; {fix} ({len(multi)} of {len(channels)} files in {corpus} have several)"
        )
    short = {p: c for p, c in multi.items() if channel != MIX and c < channel}
    if short:
        first, count = next(iter(short.items()))
        raise InputError(f"{first}: {count} channels, so there is no channel {channel}; {fix}")


def check_rates(rates, sample_rate, resample, corpus):
    """One decision per corpus on files not at ``sample_rate``.

    Args:
        rates: dict path -> sample rate of every file.
    Logs one warning when some will be resampled; raises InputError naming a file and
    the config key when ``resample`` is false.
    """
    off = {p: r for p, r in rates.items() if r != sample_rate}
    if not off:
        return
    first, rate = next(iter(off.items()))
    found = ", ".join(f"{r} Hz" for r in sorted(set(off.values())))
    if not resample:
        raise InputError(
            f"{corpus}: {len(off)} of {len(rates)} files are not at {sample_rate} Hz ({found}; e.g. {first}); "
            "set corpus.resample: true to resample them"
        )
    logging.getLogger("ge2e").warning(
        "%s: %d of %d files are at %s and are resampled to %d Hz (e.g. %s)",
        corpus, len(off), len(rates), found, sample_rate, first,
    )  # fmt: skip


def write_wav(path, audio, sample_rate=16000):
    """Write float audio (S,) in [-1, 1] as 16-bit PCM wav."""
    sf.write(str(path), np.asarray(audio), sample_rate, subtype="PCM_16")


def to_int16(audio):
    """Float (S,) in [-1, 1] -> int16 (S,), clipped."""
    return np.clip(np.round(np.asarray(audio) * 32767.0), -32768, 32767).astype(np.int16)
