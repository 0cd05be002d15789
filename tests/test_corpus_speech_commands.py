"""Speech Commands (ge2e.corpus.speech_commands): Google's layout with its list files, the Arabic set's with its
CSVs, seeded speaker fractions, only the keyword's files, speakers disjoint across splits, and every layout problem
reported with the file or config key."""

import logging

import pytest
from audio_files import read_policy
from layouts import write_speech_commands
from workflow_run import REAL_SPEECH, require_real_speech

from ge2e.corpus import formats, speaker_split, speech_commands
from ge2e.errors import InputError
from ge2e.schema import defaults

KEY = "corpus.speech_commands"


def spec(root, keyword="ok", **overrides):
    """The schema's defaults for corpus.speech_commands, at ``root`` for ``keyword``, with ``overrides``."""
    return formats.spec("speech_commands", {**defaults(KEY), "root": str(root), "keyword": keyword, **overrides})


def csv_files(base, *splits):
    """corpus.speech_commands.csv naming the Arabic set's CSVs of ``splits`` (default all three) under ``base``."""
    chosen = splits or ("train", "val", "test")
    return {s: str(base / f"{s}.csv") if s in chosen else "" for s in ("train", "val", "test")}


def speakers_by_split(rows):
    return {split: sorted({r["speaker"] for r in rows if r["split"] == split}) for split in ("train", "val", "test")}


def test_google_layout_splits_by_its_list_files_and_reads_only_the_keyword(tmp_path):
    root = write_speech_commands(tmp_path / "sc", "google")
    s = spec(root)
    assert s.source() == "lists"
    assert s.where() == f"{root} (keyword 'ok'; split: validation_list.txt + testing_list.txt)"
    rows = speech_commands.manifest_rows(s, read_policy(), seed=1)
    assert len(rows) == 10 * 5 and all(r["path"].startswith(f"{root}/ok/") for r in rows)
    first = min(rows, key=lambda r: r["path"])
    assert (first["speaker"], first["utterance"]) == ("b0000000", "ok/b0000000_nohash_0")
    by_split = speakers_by_split(rows)
    assert [len(v) for v in by_split.values()] == [5, 2, 3]
    assert by_split["test"] == sorted(f"{0xB0000000 + 7919 * k:08x}" for k in (7, 8, 9))
    assert all(0.9 < r["duration"] < 1.7 for r in rows)


def test_csv_layout_splits_by_the_named_csvs_relative_to_their_folder(tmp_path, caplog):
    folder = write_speech_commands(tmp_path / "asc", "csv")
    assert folder == tmp_path / "asc" / "dataset"
    s = spec(folder, csv=csv_files(tmp_path / "asc"))
    assert s.source() == "csv" and s.where() == f"{folder} (keyword 'ok'; split: train.csv + val.csv + test.csv)"
    rows = speech_commands.manifest_rows(s, read_policy(), seed=1)
    assert len(rows) == 50 and {r["utterance"].split("/")[0] for r in rows} == {"ok"}
    by_split = speakers_by_split(rows)
    assert by_split == {
        "train": [f"{k:08d}" for k in range(1, 6)],
        "val": ["00000006", "00000007"],
        "test": [
            "00000008",
            "00000009",
            "00000010",
        ],
    }
    # Without a train CSV, every file no CSV names trains; with one, such a file is left out with one warning.
    without_train = speech_commands.manifest_rows(
        spec(folder, csv=csv_files(tmp_path / "asc", "val", "test")), read_policy(), 1
    )
    assert speakers_by_split(without_train) == by_split
    train_csv = tmp_path / "asc" / "train.csv"
    train_csv.write_text("\n".join(line for line in train_csv.read_text().splitlines() if "00000001_NO" not in line))
    with caplog.at_level(logging.WARNING):
        rows = speech_commands.manifest_rows(s, read_policy(), 1)
    assert "00000001" not in {r["speaker"] for r in rows} and len(rows) == 45
    assert "Speech Commands: 5 file(s) of keyword 'ok' are in none of the CSVs" in caplog.text


def test_without_lists_or_csvs_speakers_are_held_out_by_seeded_fractions(tmp_path):
    folder = write_speech_commands(tmp_path / "asc", "csv", speakers=12)
    s = spec(folder, val_fraction=0.25, test_fraction=0.25)
    assert s.source() == "fractions" and "split: val 0.25, test 0.25 of the speakers" in s.where()
    rows = speech_commands.manifest_rows(s, read_policy(), seed=5)
    by_split = speakers_by_split(rows)
    assert [len(v) for v in by_split.values()] == [7, 2, 3]  # 0.25 of 12 test, then 0.25 of the other 9
    assert by_split == speakers_by_split(speech_commands.manifest_rows(s, read_policy(), seed=5))
    assert by_split != speakers_by_split(speech_commands.manifest_rows(s, read_policy(), seed=6))


def test_a_speakers_split_is_one_split_of_every_keywords_speakers_stated_and_seeded(tmp_path):
    folder = write_speech_commands(tmp_path / "asc", "csv", speakers=12, per_speaker=2)
    for gone in [*(folder / "yes").glob("0000000[12]_*"), *(folder / "ok").glob("00000003_*")]:
        gone.unlink()  # each word has speakers the other lacks
    speakers = {"split": {"val": 3, "test": 3}, "seed": 7}
    expected = speaker_split.split([f"{k:08d}" for k in range(1, 13)], val=3, test=3, seed=7)
    for keyword in ("ok", "yes"):
        s = spec(folder, keyword, speakers=speakers)
        assert s.source() == "speakers" and s.where().endswith(
            "split: val 3, test 3 speakers, seed 7 of every keyword's)"
        )
        for seed in (1, 2):  # the run's seed plays no part: the split's own is stated
            rows = speech_commands.manifest_rows(s, read_policy(), seed=seed)
            assert {r["speaker"]: r["split"] for r in rows} == {
                speaker: part for speaker, part in expected.items() if speaker in {r["speaker"] for r in rows}
            }
    assert len({r["speaker"] for r in rows}) == 10  # 'yes' lacks two speakers, who still count in the split
    with pytest.raises(InputError, match=rf"config key {KEY}\.speakers\.split: val 6 \+ test 6 speakers of the 12"):
        speech_commands.manifest_rows(
            spec(folder, speakers={"split": {"val": 6, "test": 6}, "seed": 7}), read_policy(), 1
        )
    with pytest.raises(InputError, match=rf"config key {KEY}\.speakers: {KEY}\.csv give the split already; remove"):
        spec(folder, csv=csv_files(tmp_path / "asc"), speakers=speakers).check()
    google = write_speech_commands(tmp_path / "sc", "google")
    with pytest.raises(InputError, match=rf"config key {KEY}\.speakers: {google}'s list files give the split already"):
        spec(google, speakers=speakers).check()
    for name in ("validation_list.txt", "testing_list.txt"):
        (google / name).unlink()
    # Google's _background_noise_ folder holds no keyword: its files are no one's.
    assert speech_commands.keyword_speakers(spec(google, speakers=speakers)) == {
        f"{0xB0000000 + 7919 * k:08x}" for k in range(10)
    }


def test_a_speaker_in_two_splits_stops_with_one_line_naming_it(tmp_path):
    root = write_speech_commands(tmp_path / "sc", "google")
    val_speaker = f"{0xB0000000 + 7919 * 5:08x}"
    with open(root / "testing_list.txt", "a") as fh:
        fh.write(f"ok/{val_speaker}_nohash_4.wav\n")
    with pytest.raises(InputError) as caught:
        speech_commands.manifest_rows(spec(root), read_policy(), 1)
    message = str(caught.value)
    assert "\n" not in message and message.startswith(f"speaker {val_speaker} is in both the val split (")
    assert f"({root}/ok/{val_speaker}_nohash_0.wav: in {root}/validation_list.txt) and the test split" in message
    assert f"and the test split ({root}/ok/{val_speaker}_nohash_4.wav: in {root}/testing_list.txt)" in message
    assert message.endswith("speakers must be disjoint across splits: fix the split files")
    base = tmp_path / "asc"
    folder = write_speech_commands(base, "csv")
    with open(base / "test.csv", "a") as fh:
        fh.write("dataset/ok/00000002_NO_03.wav,ok\n")
    with pytest.raises(InputError, match=r"^speaker 00000002 is in both the train split \(.*/00000002_NO_01\.wav: in "):
        speech_commands.manifest_rows(spec(folder, csv=csv_files(base)), read_policy(), 1)


def test_other_keywords_in_the_split_files_are_ignored_and_missing_audio_is_a_bad_file(tmp_path, caplog):
    root = write_speech_commands(tmp_path / "sc", "google")
    (root / "yes" / "b0000000_nohash_0.wav").unlink()  # listed nowhere, of another keyword: nothing to say
    missing = root / "ok" / f"{0xB0000000 + 7919 * 9:08x}_nohash_1.wav"
    missing.unlink()
    with pytest.raises(
        InputError, match=rf"testing_list\.txt: lists ok/{missing.name}, whose audio {missing} is missing"
    ):
        speech_commands.manifest_rows(spec(root), read_policy(), 1)
    with caplog.at_level(logging.WARNING):
        rows = speech_commands.manifest_rows(spec(root), read_policy(on_bad_file="skip"), 1)
    assert len(rows) == 49 and "skipped 1 bad file(s)" in caplog.text


def test_start_up_checks_name_the_config_key(tmp_path):
    root = write_speech_commands(tmp_path / "sc", "google")
    with pytest.raises(InputError, match=rf"{KEY}\.keyword: {root} has no folder 'okay' \(its folders: "):
        spec(root, "okay").check()
    with pytest.raises(InputError, match=rf"config key {KEY}\.keyword is '': name one keyword folder"):
        spec(root, "").check()
    with pytest.raises(InputError, match=rf"{KEY}\.speaker_pattern: '\^\[0-9\]\+_' has no group"):
        spec(root, speaker_pattern="^[0-9]+_").check()
    with pytest.raises(InputError, match=rf"{KEY}\.speaker_pattern: '\(' is no regex"):
        spec(root, speaker_pattern="(").check()
    with pytest.raises(InputError, match=rf"{KEY}\.csv: {root} holds Google's validation_list\.txt and"):
        spec(root, csv=csv_files(tmp_path, "val", "test")).check()
    (root / "testing_list.txt").unlink()
    with pytest.raises(InputError, match=r"testing_list\.txt is missing: Google's split needs both list files"):
        spec(root).check()
    folder = write_speech_commands(tmp_path / "asc", "csv")
    with pytest.raises(InputError, match=rf"config key {KEY}\.csv\.test is empty: name the test CSV too"):
        spec(folder, csv=csv_files(tmp_path / "asc", "train", "val")).check()
    assert spec(folder).paths() == [
        (f"{KEY}.root", str(folder), "folder"),
        (f"{KEY}.csv.train", "", "file"),
        (f"{KEY}.csv.val", "", "file"),
        (f"{KEY}.csv.test", "", "file"),
    ]


def test_a_file_the_speaker_pattern_does_not_match_names_the_file(tmp_path):
    root = write_speech_commands(tmp_path / "sc", "google")
    stray = root / "ok" / "noise.wav"
    stray.write_bytes(b"")
    with pytest.raises(InputError, match=rf"{stray}: config key {KEY}\.speaker_pattern '\^\(\[\^_\]\+\)_' finds no"):
        speech_commands.manifest_rows(spec(root), read_policy(), 1)
    rows = speech_commands.list_files(spec(root, speaker_pattern=r"^(\w{4})"))
    assert {r["speaker"] for r in rows} >= {"b000", "nois"}


def test_the_real_arabic_speech_commands_set_reads_with_its_csv_split():
    """../shared/real-speech/arabic-speech-commands, keyword ok: 30 speakers x 10, the published 18 / 6 / 6 split."""
    base = require_real_speech(REAL_SPEECH / "arabic-speech-commands")
    rows = speech_commands.manifest_rows(spec(base / "dataset", csv=csv_files(base)), read_policy(), seed=1, threads=2)
    assert len(rows) == 300 and all(r["duration"] == pytest.approx(1.0) for r in rows)
    assert [len(v) for v in speakers_by_split(rows).values()] == [18, 6, 6]
