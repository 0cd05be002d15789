"""The bad-file policy (ge2e.audio.badfiles): fail on the first bad file, or skip each with a warning and a count."""

import logging

import pytest

from ge2e.audio.badfiles import BadFiles
from ge2e.errors import InputError, MissingDependency


def unreadable(name):
    raise InputError(f"{name}: unreadable audio")


def test_unknown_policy_names_the_config_key():
    with pytest.raises(InputError, match=r"corpus\.on_bad_file is 'ignore'; use one of \('skip', 'fail'\)"):
        BadFiles("ignore", "convert")


def test_fail_stops_at_the_first_bad_file():
    bad = BadFiles("fail", "convert")
    assert bad.call(len, "abc") == 3
    with pytest.raises(InputError, match="a.wav: unreadable audio"):
        bad.call(unreadable, "a.wav")


def test_skip_logs_each_file_then_the_count(caplog):
    bad = BadFiles("skip", "features")
    with caplog.at_level(logging.WARNING):
        bad.summary()
        assert caplog.messages == []  # nothing skipped, nothing said
        assert bad.call(unreadable, "a.wav") is None and bad.call(len, "ok") == 2
        bad.add("b.wav: holds no samples")
        bad.summary()
    assert bad.skipped == ["a.wav: unreadable audio", "b.wav: holds no samples"]
    assert caplog.messages == [
        "skipped: a.wav: unreadable audio",
        "skipped: b.wav: holds no samples",
        "features: skipped 2 bad file(s) (listed above; corpus.on_bad_file: skip)",
    ]


def test_only_user_errors_are_skipped():
    with pytest.raises(ZeroDivisionError):  # a bug is not a bad file
        BadFiles("skip", "convert").call(lambda: 1 / 0)


def test_a_missing_package_is_raised_not_skipped():
    def needs_pyav(name):
        raise MissingDependency(f"{name}: needs PyAV")

    bad = BadFiles("skip", "convert")
    with pytest.raises(MissingDependency, match="a.m4a: needs PyAV"):
        bad.call(needs_pyav, "a.m4a")
    assert bad.skipped == []
