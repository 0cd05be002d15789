"""The start-up checks (ge2e.plan.checks) on validated configs, without a Snakemake run: each stops with the one line
the run prints. At the end, the workflow's whole start-up (common.smk's, run in this process) on mistakes of every
kind; test_pipeline.py and test_download_workflow.py see a few of the same lines through Snakemake."""

import re

import pytest
import yaml
from layouts import write_folder, write_librispeech, write_speech_commands, write_vctk, write_voxceleb
from run_configs import run_config, start_up

from ge2e.errors import InputError
from ge2e.plan import checks, grid
from ge2e.plan.corpora import Corpora
from ge2e.plan.downloads import Downloads

DEV_LIST = "1 s0/a.wav s0/b.wav\n0 s0/a.wav s1/c.wav\n"


def run_checks(*layers):
    """``ge2e.plan.checks.check`` on the tiny config with ``layers``, as common.smk calls it."""
    config = run_config(*layers)
    variants = grid.checked_variants(config)
    tasks = grid.Grid(config, variants).tasks
    checks.check(config, variants, tasks, Corpora(config), Downloads(config))
    return config


def refused(message, *layers):
    with pytest.raises(InputError, match=re.escape(message)):
        run_checks(*layers)


def test_the_shipped_tiny_run_passes_every_check():
    run_checks()


def test_a_real_corpus_root_must_be_a_folder():
    refused(
        "config key corpus.timit_root: '/no/such/TIMIT' is not a folder; point it at your corpus copy or set it to "
        "'builtin'",
        "corpus: {timit_root: /no/such/TIMIT}",
    )
    refused("config key corpus.snips_root: '/no/such/snips' is not a folder", "corpus: {snips_root: /no/such/snips}")


def test_a_listed_corpus_has_its_paths_and_what_its_reader_checks(tmp_path):
    refused(
        "config key corpus.voxceleb.train_roots is empty: set it to the folder of your copy",
        "corpus: {tisv_format: voxceleb}",
    )
    refused("config key corpus.speech_commands.root is empty: set it", "corpus: {tdsv_format: speech_commands}")
    write_voxceleb(tmp_path / "vox", [f"id1000{k}" for k in range(4)])
    run_checks(f"corpus: {{tisv_format: voxceleb, voxceleb: {{train_roots: [{tmp_path / 'vox'}]}}}}")
    # The check is only on TI-SV: a run of TD-SV alone does not read it.
    run_checks("corpus: {tisv_format: voxceleb}", "experiments: {tasks: [tdsv]}")


def test_a_downloaded_corpus_needs_its_root_named_and_subsets_that_openslr_publishes(tmp_path):
    def librispeech(root, subsets="[train-clean-100]"):
        section = {"root": str(root), "train_subsets": yaml.safe_load(subsets), "download": True}
        return {"corpus": {"tisv_format": "librispeech", "librispeech": section}}

    refused(
        "config key corpus.librispeech.root is empty: name the folder the download fills, e.g. data/LibriSpeech",
        "corpus: {tisv_format: librispeech, librispeech: {download: true}}",
    )
    refused(
        f"config key corpus.librispeech.train_subsets: 'mine' is not under {tmp_path}, and openslr publishes no "
        "subset of that name (",
        librispeech(tmp_path, "[mine]"),
    )
    (tmp_path / "mine").mkdir()  # a subset of one's own, in place: no download needed
    run_checks(librispeech(tmp_path, "[mine]"))
    # Not there yet and published: the download rule is to fetch it.
    run_checks(librispeech(tmp_path / "new"))


def librispeech(root, **keys):
    return {"corpus": {"tisv_format": "librispeech", "librispeech": {"root": str(root), **keys}}}


def test_a_librispeech_root_is_the_folder_holding_speakers_txt_and_every_subset_named(tmp_path):
    root = write_librispeech(tmp_path / "data" / "LibriSpeech")  # train-clean-100 and test-clean
    run_checks(librispeech(root, train_subsets=["train-clean-100"]))
    refused(  # its parent folder
        f"config key corpus.librispeech.root: {tmp_path / 'data'} holds no SPEAKERS.TXT; {root} does: point the key at "
        "that folder",
        librispeech(tmp_path / "data", train_subsets=["train-clean-100"]),
    )
    refused(  # one of its subsets
        f"config key corpus.librispeech.root: {root / 'test-clean'} holds no SPEAKERS.TXT; its parent {root} does",
        librispeech(root / "test-clean", train_subsets=["train-clean-100"]),
    )
    refused(  # a subset the default train_subsets names, not unpacked
        f"config key corpus.librispeech.train_subsets: {root} has no subset folder 'train-clean-360' (its folders: "
        "test-clean, train-clean-100): unpack the subset there or leave it out of the list",
        librispeech(root),
    )
    (tmp_path / "bare").mkdir()
    refused(  # a folder without any of it
        f"config key corpus.librispeech.root: {tmp_path / 'bare'} holds no SPEAKERS.TXT: point the key at the folder "
        "holding SPEAKERS.TXT and the subsets",
        librispeech(tmp_path / "bare"),
    )


def test_a_librispeech_download_brings_its_subsets_and_speakers_txt(tmp_path):
    (tmp_path / "LibriSpeech").mkdir()
    run_checks(librispeech(tmp_path / "LibriSpeech", download=True))  # every subset still to fetch
    root = write_librispeech(tmp_path / "data" / "LibriSpeech", {"train-clean-100": 2, "test-clean": 2})
    run_checks(librispeech(root, download=True))  # train-clean-360 still to fetch
    refused(  # a LibriSpeech folder below the root: the download would not put the subsets there
        f"config key corpus.librispeech.root: {tmp_path / 'data'} holds no SPEAKERS.TXT; {root} does",
        librispeech(tmp_path / "data", download=True),
    )


def test_voxceleb_roots_hold_the_speaker_folders(tmp_path):
    speakers = [f"id1027{k}" for k in range(4)]
    wav = write_voxceleb(tmp_path / "vox1_test_wav" / "wav", speakers)
    train = write_voxceleb(tmp_path / "vox1_dev_wav" / "wav", ["id10001", "id10002"])
    run_checks(
        {"corpus": {"tisv_format": "voxceleb", "voxceleb": {"train_roots": [str(train)], "test_root": str(wav)}}}
    )
    refused(
        f"config key corpus.voxceleb.test_root: {wav.parent} holds no id<digits> speaker folders; {wav} does: point "
        "the key at that folder",
        {
            "corpus": {
                "tisv_format": "voxceleb",
                "voxceleb": {"train_roots": [str(train)], "test_root": str(wav.parent)},
            }
        },
    )
    (tmp_path / "other" / "misc").mkdir(parents=True)
    refused(
        f"config key corpus.voxceleb.train_roots: {tmp_path / 'other'} holds no id<digits> speaker folders: point the "
        "key at the folder holding the id<digits> folders, e.g. vox1_dev_wav/wav",
        {"corpus": {"tisv_format": "voxceleb", "voxceleb": {"train_roots": [str(tmp_path / "other")]}}},
    )


def test_a_speech_commands_root_holds_the_keyword_folder(tmp_path):
    root = write_speech_commands(tmp_path / "sc", keywords=("yes",))
    refused(
        f"config key corpus.speech_commands.keyword: {root} has no folder 'seven' (its folders: _background_noise_, "
        "yes); is corpus.speech_commands.root the folder holding the keyword folders?",
        {"corpus": {"tdsv_format": "speech_commands", "speech_commands": {"root": str(root), "keyword": "seven"}}},
    )


def test_a_folder_corpus_and_an_external_set_hold_speaker_folders_of_audio(tmp_path):
    (tmp_path / "notes" / "spk1").mkdir(parents=True)
    (tmp_path / "notes" / "spk1" / "a.txt").write_text("no audio")
    refused(
        f"config key corpus.folder.root: {tmp_path / 'notes'} holds no <speaker>/**/<audio file> (a file named .wav, "
        ".flac, .sph, .m4a",
        {"corpus": {"tisv_format": "folder", "folder": {"root": str(tmp_path / "notes")}}},
    )
    refused(
        f"config key evaluate.external.dev: {tmp_path / 'notes'} holds no <speaker>/**/<audio file>",
        {"evaluate": {"external": {"dev": str(tmp_path / "notes")}}},
    )
    loose = write_folder(tmp_path / "loose", speakers=1) / "spk00"
    refused(
        f"config key corpus.folder.root: {loose} holds audio files but no speaker folders",
        {"corpus": {"tisv_format": "folder", "folder": {"root": str(loose)}}},
    )


def test_a_vctk_root_holds_speaker_info_and_the_audio_folder(tmp_path):
    root = write_vctk(tmp_path / "VCTK-Corpus-0.92", speakers=12, per_speaker=2, mics=("mic1",))
    run_checks({"corpus": {"tisv_format": "vctk", "vctk": {"root": str(root)}}})
    refused(
        f"config key corpus.vctk.root: {tmp_path} has no speaker-info.txt; {root} does: point the key at that folder",
        {"corpus": {"tisv_format": "vctk", "vctk": {"root": str(tmp_path)}}},
    )


def test_a_real_timit_or_snips_copy_holds_what_its_converter_reads(tmp_path):
    for name in ("TRAIN", "test"):  # any case
        (tmp_path / "timit" / "TIMIT" / name).mkdir(parents=True)
    refused(
        f"config key corpus.timit_root: {tmp_path / 'timit'} has no TRAIN folder; {tmp_path / 'timit' / 'TIMIT'} does: "
        "point the key at that folder",
        f"corpus: {{timit_root: {tmp_path / 'timit'}}}",
    )
    (tmp_path / "snips").mkdir()
    for name in ("train.json", "dev.json"):
        (tmp_path / "snips" / name).write_text("[]")
    refused(
        f"config key corpus.snips_root: {tmp_path / 'snips'} has no test.json: point the key at the folder holding "
        "train.json, dev.json, test.json",
        f"corpus: {{snips_root: {tmp_path / 'snips'}}}",
    )


def test_an_extra_training_corpus_is_checked_by_its_reader_under_its_own_key(tmp_path):
    main = f"corpus: {{tisv_format: folder, folder: {{root: {write_folder(tmp_path / 'main')}}}}}"
    root = write_librispeech(tmp_path / "LibriSpeech", {"train-clean-100": 2})  # no test subset: it trains only
    extra = {"corpus": {"tisv_extra_train": {"ls": {"format": "librispeech", "root": str(root)}}}}
    refused(
        f"config key corpus.tisv_extra_train.ls.train_subsets: {root} has no subset folder 'train-clean-360'",
        main,
        extra,
    )
    extra["corpus"]["tisv_extra_train"]["ls"]["train_subsets"] = ["train-clean-100"]
    run_checks(main, extra)


def test_a_placeholder_folder_is_refused_naming_the_key_and_the_file_that_set_it():
    mine = {"corpus": {"voxceleb": {"train_roots": ["/data/vox1/wav", "/path/to/vox2_dev_aac/dev/aac"]}}}
    layers = [("config/config.yaml", {"corpus": {"timit_root": "builtin"}}), ("mine.yaml", mine)]
    config = run_config(mine)
    with pytest.raises(InputError) as caught:
        checks.check_placeholders(config, layers)
    assert str(caught.value) == (
        "config key corpus.voxceleb.train_roots[1] (set in mine.yaml): '/path/to/vox2_dev_aac/dev/aac' is a "
        "placeholder; set the key to your copy's folder in a config file of your own, given last"
    )
    checks.check_placeholders(run_config(), layers)


def test_checksums_name_files_a_download_fetches():
    refused(
        "config key download.checksums.train-clean-10.tar.gz: no download is called",
        "download: {checksums: {train-clean-10.tar.gz: " + "ab" * 16 + "}}",
    )


def test_extra_training_corpora_have_their_folders_where_ti_sv_runs(tmp_path):
    real = f"corpus: {{tisv_format: folder, folder: {{root: {write_folder(tmp_path / 'main')}}}}}"
    extra = "corpus: {tisv_extra_train: {more: {format: folder, root: /no/such/speakers}}}"
    refused("config key corpus.tisv_extra_train.more.root: '/no/such/speakers' is not a folder", real, extra)
    run_checks(real, extra, "experiments: {tasks: [tdsv]}")


def test_external_sets_are_folders():
    refused(
        "config key evaluate.external.dev: '/no/such/dev' is not a folder; point it at a folder of "
        "<speaker>/<audio files> or remove the entry",
        "evaluate: {external: {dev: /no/such/dev}}",
    )


def test_an_external_set_on_an_extra_corpus_folder_reads_the_test_part_of_the_same_split(tmp_path):
    main = f"corpus: {{tisv_format: folder, folder: {{root: {write_folder(tmp_path / 'main')}}}}}"
    so = write_folder(tmp_path / "so", speakers=8, per_speaker=1)
    (tmp_path / "x").mkdir()
    split = "{val: 2, test: 3}"
    extra = (
        f"corpus: {{tisv_extra_train: {{so: {{format: folder, root: {so}, speakers: {{split: {split}, seed: 7}}}}}}}}"
    )

    def external(speakers):
        return f"evaluate: {{external: {{so_test: {{root: {tmp_path}/x/../so, speakers: {speakers}}}}}}}"

    run_checks(main, extra, external(f"{{split: {split}, seed: 7}}"))  # the same folder by another path: the same
    message = (
        f"config key evaluate.external.so_test: {tmp_path}/x/../so is the folder of extra training corpus so "
        "(corpus.tisv_extra_train.so.root), whose speakers train; give both a speakers split with the same counts "
        "and seed, and the external set part: test"
    )
    for speakers in [f"{{split: {split}, seed: 8}}", f"{{split: {split}, seed: 7, part: val}}", "{split: {test: 3}}"]:
        refused(message, main, extra, external(speakers))
    refused(message.replace(f"{tmp_path}/x/../so", str(so)), main, extra, f"evaluate: {{external: {{so_test: {so}}}}}")
    # Where TI-SV does not run, no encoder trains on the extra corpus.
    run_checks(main, extra, f"evaluate: {{external: {{so_test: {so}}}}}", "experiments: {tasks: [tdsv]}")


def test_a_variants_own_keyword_is_checked_as_the_runs_is(tmp_path):
    root = write_speech_commands(tmp_path / "sc", "google")
    corpus = f"corpus: {{tdsv_format: speech_commands, speech_commands: {{root: {root}, keyword: ok}}}}"
    run_checks(corpus, "experiments: {variants: {word_yes: {corpus: {speech_commands: {keyword: 'yes'}}}}}")
    refused(
        f"experiments.variants.word_okay: config key corpus.speech_commands.keyword: {root} has no folder 'okay'",
        corpus,
        "experiments: {variants: {word_okay: {corpus: {speech_commands: {keyword: okay}}}}}",
    )


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            "{root: ROOT, trials: mine.txt, download: vox1_o}",
            "config key evaluate.trials.t: give trials (a list you have) or download (vox1_o), not both",
        ),
        (
            "{root: ROOT, download: vox1_o, format: kaldi, enrol: spk2utt}",
            "config key evaluate.trials.t.format: the VoxCeleb1 lists are in voxceleb form, without an enrolment map; "
            "leave format and enrol out",
        ),
        (
            "{root: ROOT}",
            "config key evaluate.trials.t.trials is missing: name the list's file, or set download to one of vox1_o",
        ),
    ],
)
def test_a_trial_list_gives_its_file_or_a_download_of_a_voxceleb1_list(tmp_path, entry, message):
    refused(message, f"evaluate: {{trials: {{t: {entry.replace('ROOT', str(tmp_path))}}}}}")


def test_a_downloaded_list_lies_under_download_root_and_is_checked_once_it_is_there(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    layers = (f"evaluate: {{trials: {{o: {{root: {tmp_path}, download: vox1_o}}}}}}", "download: {root: dl}")
    config = run_checks(*layers)  # not downloaded yet: its convert rule checks it, after the download
    lists = checks.trial_lists(config, Downloads(config))
    assert lists["o"]["trials"] == "dl/voxceleb/veri_test2.txt" and not config["evaluate"]["trials"]["o"].get("trials")
    (tmp_path / "dl/voxceleb").mkdir(parents=True)
    (tmp_path / "dl/voxceleb/veri_test2.txt").write_text("1 a\n")
    refused("veri_test2.txt:1: expected '1|0 <enrol utterance> <test utterance>'", *layers)


def test_trial_lists_are_named_once_and_read_whole(tmp_path):
    write_folder(tmp_path / "audio", speakers=2, per_speaker=3)
    (tmp_path / "bad.txt").write_text("1 a b c\n")
    root = tmp_path / "audio"
    refused(
        "config key evaluate.trials.dev: evaluate.external has a set of that name too; rename one",
        f"evaluate: {{external: {{dev: {root}}}, trials: {{dev: {{root: {root}, trials: {tmp_path / 'bad.txt'}}}}}}}",
    )
    refused(
        "bad.txt:1: expected '1|0 <enrol utterance> <test utterance>'",
        f"evaluate: {{trials: {{t: {{root: {root}, trials: {tmp_path / 'bad.txt'}}}}}}}",
    )


def test_the_built_in_corpus_holds_the_batches_of_every_variant():
    refused(
        "tisv: train.tisv.n_speakers=90 needs 90 training speakers, but the built-in corpus (builtin.timit) has",
        "train: {tisv: {n_speakers: 90}}",
    )
    refused(
        "experiments.variants.big: tisv: train.tisv.n_speakers=90 needs 90 training speakers",
        "experiments: {variants: {big: {train: {tisv: {n_speakers: 90}}}}}",
    )


def test_augmentation_folders_of_every_variant_hold_audio(tmp_path):
    refused(
        "config key augment.tdsv.noise_roots: '/no/such/noise' is not a folder",
        "augment: {tdsv: {noise_roots: [/no/such/noise]}}",
    )
    (tmp_path / "empty").mkdir()
    refused(
        f"config key experiments.variants.rooms.augment.tisv.rir_roots: '{tmp_path / 'empty'}' holds no .wav or .flac",
        f"experiments: {{variants: {{rooms: {{augment: {{tisv: {{rir_roots: [{tmp_path / 'empty'}]}}}}}}}}}}",
    )


def test_the_first_mistake_is_told_in_the_order_the_checks_always_ran(tmp_path):
    corpus = "corpus: {timit_root: /no/such/TIMIT}"
    external = "evaluate: {external: {dev: /no/such/dev}}"
    noise = "augment: {tdsv: {noise_roots: [/no/such/noise]}}"
    refused("corpus.timit_root", noise, external, corpus)
    refused("evaluate.external.dev", noise, external)


def test_the_resemblyzer_encoder_needs_unnormalised_log_mels():
    from ge2e.schema import filled

    cfg = {"model": filled({"arch": "resemblyzer"}, "model"), "features": filled({}, "features")}
    with pytest.raises(InputError, match=r"^model.arch: resemblyzer .*normalise must be none \(it is level\)"):
        checks.check_encoder_inputs({"default": cfg})
    cfg["features"]["params"]["normalise"] = "none"
    checks.check_encoder_inputs({"default": cfg})


def test_adam_with_sgd_momentum_is_refused_naming_the_schedule_and_the_variant():
    variant = "experiments: {variants: {heavy: {train: {momentum: 0.9}}}}"
    adam = "{lr_schedules: {ft: {type: const, lr: 0.00001, optimiser: adam}}, train: {momentum: 0.0}}"
    configs = grid.checked_variants(run_config(adam, variant))
    with pytest.raises(InputError, match=r"^experiments.variants.heavy: lr_schedules.ft.optimiser: adam has no momen"):
        checks.check_optimisers(configs)
    checks.check_optimisers({"default": configs["default"]})


def write_trial_audio(work):
    """Four short files under ``work``/audio and trial lists over them (test_pipeline.py uses the same)."""
    import numpy as np
    import soundfile as sf

    for name in ("a/1.wav", "a/2.wav", "b/1.wav", "b/2.wav"):
        (work / "audio" / name).parent.mkdir(parents=True, exist_ok=True)
        sf.write(work / "audio" / name, np.full(1600, 0.1, np.float32), 16000)
    (work / "ok.txt").write_text("1 a/1.wav a/2.wav\n0 a/1.wav b/1.wav\n")
    (work / "bad.txt").write_text("1 a/1.wav a/2.wav\n0 a/1.wav\n")
    (work / "missing.txt").write_text("1 a/1.wav a/2.wav\n0 a/1.wav b/3.wav\n0 b/2.wav a/2.wav\n")


# (evaluate.trials, with ROOT for the audio folder; a pattern of what the workflow says) (test_pipeline.py runs
# Snakemake on the last).
TRIAL_LIST_ERRORS = [
    ("{t: {root: ROOT, trials: bad.txt}}", r"bad\.txt:2: expected '1\|0 <enrol utterance> <test utterance>'"),
    ("{t: {root: ROOT, trials: gone.txt}}", r"config key evaluate\.trials\.t\.trials: gone\.txt does not exist"),
    ("{t: {root: ROOT, trials: ok.txt, format: kaldi}}", r"evaluate\.trials\.t\.enrol: the kaldi form needs"),
    ("{test: {root: ROOT, trials: ok.txt}}", r"trials\.test \(set in config/bad\.yaml\) is not an allowed name"),
    ("{t: {root: ROOT, trials: missing.txt}}", r"evaluate\.trials\.t\.root: 1 of 4 utterances .*b/3\.wav"),
]


@pytest.mark.parametrize(("config", "message"), TRIAL_LIST_ERRORS)
def test_the_workflows_start_up_reads_each_trial_list_and_stops_on_a_mistake(tmp_path, monkeypatch, config, message):
    """The tiny run with ``evaluate.trials`` set in config/bad.yaml, from a folder holding the lists and the audio."""
    write_trial_audio(tmp_path)
    monkeypatch.chdir(tmp_path)  # where Snakemake runs: the lists and the audio folder are named relative to it
    layer = ("config/bad.yaml", f"evaluate: {{trials: {config.replace('ROOT', 'audio')}}}\n")
    with pytest.raises(InputError, match=message):
        start_up(layer, base=("config.yaml", "tiny.yaml"))
    start_up(
        ("config/good.yaml", "evaluate: {trials: {t: {root: audio, trials: ok.txt}}}\n"),
        base=("config.yaml", "tiny.yaml"),
    )


# (config file text, a pattern of what the workflow says) (test_download_workflow.py runs Snakemake on two).
DOWNLOAD_ERRORS = [
    (
        "evaluate: {trials: {vox: {root: vox, trials: mine.txt, download: vox1_o}}}",
        r"config key evaluate\.trials\.vox: give trials \(a list you have\) or download \(vox1_o\), not both",
    ),
    (
        "download: {checksums: {train-clean-10.tar.gz: " + "ab" * 16 + "}}",
        r"config key download\.checksums\.train-clean-10\.tar\.gz: no download is called",
    ),
    (
        "evaluate: {trials: {vox: {root: vox}}}",
        r"evaluate\.trials\.vox\.trials is missing: name the list's file, or set download to one of vox1_o, vox1_e",
    ),
    (
        "corpus: {tisv_format: librispeech, librispeech: {download: true}}",
        r"config key corpus\.librispeech\.root is empty: name the folder the download fills",
    ),
    (
        "corpus: {tisv_format: librispeech, librispeech: {root: nowhere, train_subsets: [mine], download: true}}",
        r"corpus\.librispeech\.train_subsets: 'mine' is not under nowhere, and openslr publishes no subset of that",
    ),
]


@pytest.mark.parametrize(("config", "message"), DOWNLOAD_ERRORS)
def test_the_workflows_start_up_checks_the_download_settings(tmp_path, monkeypatch, config, message):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError, match=message):
        start_up(("config/download.yaml", config + "\n"), base=("config.yaml", "tiny.yaml"))
