"""Rule scripts' runner (ge2e.rule): logging to the rule's log, a user error as one line and exit 1."""

import logging
from types import SimpleNamespace

import pytest

from ge2e.errors import InputError
from ge2e.rule import run


@pytest.fixture
def root_logging():
    """run() reconfigures the root logger, as a rule script's process may; put pytest's back afterwards."""
    saved, level = logging.root.handlers[:], logging.root.level
    yield
    for handler in logging.root.handlers:
        if handler not in saved:
            handler.close()
    logging.root.handlers[:], logging.root.level = saved, level


def test_a_user_error_is_one_log_line_and_exit_1(tmp_path, root_logging):
    log = tmp_path / "logs" / "convert.log"
    log.parent.mkdir()

    def main(smk):
        logging.getLogger("ge2e").info("reading %s", smk.rule)
        raise InputError("x.wav: unreadable audio")

    with pytest.raises(SystemExit) as stop:
        run(main, SimpleNamespace(log=[str(log)], rule="convert_timit"))
    assert stop.value.code == 1
    lines = log.read_text().splitlines()
    assert lines[0].endswith("INFO reading convert_timit")
    assert lines[1].endswith("ERROR convert_timit: x.wav: unreadable audio") and len(lines) == 2


def test_other_errors_keep_their_traceback(root_logging):
    def main(smk):
        raise KeyError("a bug")

    with pytest.raises(KeyError):
        run(main, SimpleNamespace(log=[], rule="train"))
