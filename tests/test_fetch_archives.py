"""ge2e.fetch.archives: the catalogue's digests parse, a mirror keeps them and download.checksums replaces them, unknown
names in download.checksums are refused, and the trial lists the schema offers are the catalogue's."""

import pytest
import yaml

from ge2e.errors import InputError
from ge2e.fetch import archives
from ge2e.fetch.digests import parse
from ge2e.schema import SCHEMA

NAME = "train-clean-100.tar.gz"


def test_the_catalogue_keeps_the_digest_whatever_the_mirror_and_checksums_replace_it():
    settings = {"openslr_url": "https://mirror.example/resources/", "checksums": {}}
    source = archives.source(archives.LIBRISPEECH["train-clean-100"], settings)
    assert source == {
        "name": NAME,
        "url": f"https://mirror.example/resources/12/{NAME}",
        "digest": "md5:2a93770f6d5c6c964bc36631d331a522",
        "size": 6387309499,
        "top": "LibriSpeech",
        "key": "download.openslr_url",
        "published": "the md5 openslr.org publishes in resources/12/md5sum.txt",
    }
    settings["checksums"] = {NAME: "AB" * 16}
    mirror = archives.source(archives.LIBRISPEECH["train-clean-100"], settings)
    assert mirror["digest"] == "md5:" + "ab" * 16
    assert mirror["published"] == f"as config key download.checksums.{NAME} gives it"


def test_every_catalogue_digest_parses_and_every_name_is_unique():
    entries = [*archives.LIBRISPEECH.values(), archives.MUSAN, archives.RIRS, archives.SPEECH_COMMANDS_V2]
    entries += archives.TRIAL_LISTS.values()
    assert len(archives.ALL) == len(entries) == 13
    for archive in entries:
        assert archive.digest is None or str(parse(archive.digest, archive.name)) == archive.digest
        assert archive.path.endswith(archive.name)


def test_checksums_must_name_a_download_and_be_a_digest():
    archives.check_checksums({NAME: "sha256:" + "0" * 64})
    with pytest.raises(InputError, match=r"^config key download\.checksums\.train-clean-10\.tar\.gz: no download"):
        archives.check_checksums({"train-clean-10.tar.gz": "ab" * 16})
    with pytest.raises(InputError, match=rf"^config key download\.checksums\.{NAME}: 'abc' is no digest"):
        archives.check_checksums({NAME: "abc"})


def test_the_trial_lists_the_schema_offers_are_the_catalogues():
    trials = yaml.safe_load(SCHEMA.read_text())["properties"]["evaluate"]["properties"]["trials"]
    assert trials["additionalProperties"]["properties"]["download"]["enum"] == list(archives.TRIAL_LISTS)
