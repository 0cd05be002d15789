"""The files the download rules fetch: each one's name, where it lies under its base URL, its expected digest
and size, the folder it unpacks into, and where each digest and size was found.

A base URL is a config key of the ``download`` section (``openslr_url``, ``speech_commands_url``,
``voxceleb_lists_url``), so any mirror with the same layout serves. A mirror never changes what a file
is expected to be: ``download.checksums`` (file name -> digest) replaces a catalogue digest, for a
mirror that repackaged an archive, and is how the tests serve archives of their own.

No digest here is computed by this project: each one is published by the corpus's distributor or
pinned by the dataset code of public libraries, as the comment above it says. A file with no known
digest has ``digest=None``, and its download warns that it cannot be verified.
"""

import dataclasses

from ge2e.errors import InputError
from ge2e.fetch.digests import parse

KEY = "download"
OPENSLR = "openslr_url"
SPEECH_COMMANDS = "speech_commands_url"
VOXCELEB_LISTS = "voxceleb_lists_url"


@dataclasses.dataclass(frozen=True)
class Archive:
    """One downloadable file."""

    name: str  # its file name: the key of download.checksums, named in every message about it
    base: str  # the download config key of its base URL
    path: str  # where it lies under that URL
    digest: str | None  # "md5:<hex>" or "sha256:<hex>"; None where none is published
    size: int | None  # bytes, where published; otherwise the server's Content-Length is all there is
    top: str | None  # the folder its members lie in ("LibriSpeech/..."); None: at the top, or not an archive
    published: str  # where its digest comes from, named when a download does not match it


# LibriSpeech (openslr resource 12). md5: openslr's own list, https://www.openslr.org/resources/12/md5sum.txt, as
# pinned by PaddleSpeech (dataset/librispeech/librispeech.py, MD5_*); sizes: tensorflow/datasets
# (tensorflow_datasets/url_checksums/librispeech.txt, which pins their sha256 too, as torchaudio's
# datasets/librispeech.py does).
_LIBRISPEECH = {
    "dev-clean": ("42e2234ba48799c1f50f24a7926300a1", 337926286),
    "dev-other": ("c8d0bcc9cca99d4f8b62fcc847357931", 314305928),
    "test-clean": ("32fa31d27d2e1cad72775fee3f4849a9", 346663984),
    "test-other": ("fb5a50374b501bb3bac4815ee91d3135", 328757843),
    "train-clean-100": ("2a93770f6d5c6c964bc36631d331a522", 6387309499),
    "train-clean-360": ("c0e676e450a7ff2f54aeade5171606fa", 23049477885),
    "train-other-500": ("d1a0fd59409feb2c614ce4d30c387708", 30593501606),
}
LIBRISPEECH_TOP = "LibriSpeech"  # each subset's archive holds LibriSpeech/<subset>/ and LibriSpeech/*.TXT
_OPENSLR_MD5 = "the md5 openslr.org publishes in resources/12/md5sum.txt"
LIBRISPEECH = {
    subset: Archive(
        f"{subset}.tar.gz", OPENSLR, f"12/{subset}.tar.gz", f"md5:{md5}", size, LIBRISPEECH_TOP, _OPENSLR_MD5
    )
    for subset, (md5, size) in _LIBRISPEECH.items()
}

# MUSAN (openslr resource 17) and RIRS_NOISES (resource 28). md5: as pinned by WeSpeaker's VoxCeleb recipe
# (wenet-e2e/wespeaker, examples/voxceleb/v2/local/download_data.sh), which checks them after each download; no
# size is published with them.
_WESPEAKER_MD5 = "the md5 WeSpeaker's VoxCeleb recipe checks (examples/voxceleb/v2/local/download_data.sh)"
MUSAN = Archive(
    "musan.tar.gz", OPENSLR, "17/musan.tar.gz", "md5:0c472d4fc0c5141eca47ad1ffeb2a7df", None, "musan", _WESPEAKER_MD5
)
RIRS = Archive(
    "rirs_noises.zip",
    OPENSLR,
    "28/rirs_noises.zip",
    "md5:e6f48e257286e05de56413b4779d8ffb",
    None,
    "RIRS_NOISES",
    _WESPEAKER_MD5,
)

# Google's Speech Commands v2 (download.tensorflow.org). sha256 and size: tensorflow/datasets,
# tensorflow_datasets/url_checksums/speech_commands.txt; the same sha256 in torchaudio's datasets/speechcommands.py.
# Its members lie at the top (<keyword>/..., validation_list.txt, testing_list.txt).
SPEECH_COMMANDS_V2 = Archive(
    "speech_commands_v0.02.tar.gz",
    SPEECH_COMMANDS,
    "speech_commands_v0.02.tar.gz",
    "sha256:af14739ee7dc311471de98f5f9d2c9191b18aedfe957f4a6ff791c709868ff58",
    2428923189,
    None,
    "the sha256 tensorflow/datasets pins (tensorflow_datasets/url_checksums/speech_commands.txt)",
)

# The cleaned VoxCeleb1 trial lists (VoxCeleb1-O, -E, -H), plain text. The VGG group publishes no digest; these md5
# are pinned by PaddleSpeech (dataset/voxceleb/voxceleb1.py, TRIAL_LIST) and agree with mrouvier/kiwano's.
_TRIAL_LISTS = {
    "vox1_o": ("veri_test2.txt", "b73110731c9223c1461fe49cb48dddfc"),
    "vox1_e": ("list_test_all2.txt", "a53e059deb562ffcfc092bf5d90d9f3a"),
    "vox1_h": ("list_test_hard2.txt", "857790e09d579a68eb2e339a090343c8"),
}
_PADDLE_MD5 = "the md5 PaddleSpeech pins (dataset/voxceleb/voxceleb1.py, TRIAL_LIST)"
TRIAL_LISTS = {
    key: Archive(file, VOXCELEB_LISTS, file, f"md5:{md5}", None, None, _PADDLE_MD5)
    for key, (file, md5) in _TRIAL_LISTS.items()
}
TRIAL_LIST_FOLDER = "voxceleb"  # downloaded trial lists lie in <download.root>/voxceleb/

ALL = {a.name: a for a in (*LIBRISPEECH.values(), MUSAN, RIRS, SPEECH_COMMANDS_V2, *TRIAL_LISTS.values())}


def source(archive, settings):
    """What a download rule needs to fetch ``archive`` with the download section ``settings`` (a dict), as the plain
    dict a rule's params carry: name, url, digest (``<algorithm>:<hex>`` or None), size, top, key (the config
    key of its URL, for messages) and published (where the digest comes from). ``download.checksums`` replaces
    the catalogue digest; the URL never does."""
    override = settings["checksums"].get(archive.name)
    where = f"config key {KEY}.checksums.{archive.name}"
    digest = str(parse(override, where)) if override else archive.digest
    return {
        "name": archive.name,
        "url": f"{settings[archive.base].rstrip('/')}/{archive.path}",
        "digest": digest,
        "size": archive.size,
        "top": archive.top,
        "key": f"{KEY}.{archive.base}",
        "published": f"as {where} gives it" if override else archive.published,
    }


def check_checksums(checksums):
    """The start-up check of ``download.checksums``: every name is a file the pipeline downloads, every value a
    digest; InputError naming the key otherwise."""
    for name, value in checksums.items():
        if name not in ALL:
            raise InputError(
                f"config key {KEY}.checksums.{name}: no download is called {name!r}; the names are the files' "
                f"names: {', '.join(sorted(ALL))}"
            )
        parse(value, f"config key {KEY}.checksums.{name}")
