"""The shipped configs validate; a wrong config stops the workflow before any job with one line naming the key; a
run of one task plans nothing of the other; config/README.md's configuration table matches the schema."""

import copy
import re
from pathlib import Path

import pytest
import yaml
from layouts import write_librispeech, write_speech_commands, write_voxceleb
from run_configs import merged
from workflow_run import copy_workflow, job_counts, snakemake

from ge2e import schema
from tools import configdoc

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "config" / "schema.yaml"


@pytest.mark.parametrize(
    "layers",
    [
        ["config.yaml"],
        ["config.yaml", "tiny.yaml"],
        ["config.yaml", "paper.yaml"],
        ["config.yaml", "voxceleb.yaml"],
        ["config.yaml", "real-speech.yaml"],
        ["config.yaml", "real-speech-arabic.yaml"],
    ],
)
def test_shipped_configs_validate(layers):
    config = merged(*layers)
    schema.validate(copy.deepcopy(config))


def test_paper_config_is_paper_size():
    config = merged("config.yaml", "paper.yaml")
    assert config["model"] == {"hidden": 768, "layers": 3, "proj": 256}
    assert all(
        config["train"][t]["n_speakers"] == 64 and config["train"][t]["n_utterances"] == 10 for t in ("tdsv", "tisv")
    )


def test_voxceleb_config_is_paper_size_ti_sv_on_voxceleb():
    config = merged("config.yaml", "voxceleb.yaml")
    assert config["model"] == {"hidden": 768, "layers": 3, "proj": 256}
    assert config["train"]["tisv"]["n_speakers"] == 64 and config["train"]["tisv"]["n_utterances"] == 10
    assert config["corpus"]["tisv_format"] == "voxceleb"


ROOT_KEYS = ("timit_root", "snips_root", "root", "train_roots", "test_root")


@pytest.mark.parametrize("name", ["paper.yaml", "voxceleb.yaml"])
def test_an_overlay_for_your_own_copies_sets_no_folder_and_says_which_keys_to_set(name):
    """Layered after a user's config (or before it), an overlay must not replace the folders the user set."""
    text = (ROOT / "config" / name).read_text()

    def keys(node):
        for key, value in node.items():
            yield key
            if isinstance(value, dict):
                yield from keys(value)

    assert not set(keys(yaml.safe_load(text).get("corpus", {}))) & set(ROOT_KEYS)
    wanted = {
        "paper.yaml": ["corpus.timit_root", "corpus.snips_root"],
        "voxceleb.yaml": ["corpus.voxceleb.train_roots"],
    }
    assert all(key in text for key in wanted[name]) and "/path/to" not in text


def test_no_shipped_config_holds_a_placeholder_folder():
    for path in (ROOT / "config").glob("*.yaml"):
        assert "/path/to/" not in path.read_text(), path


def test_configuration_reference_matches_schema():
    expected = configdoc.markdown(yaml.safe_load(SCHEMA.read_text()), merged("config.yaml"))
    assert configdoc.section((ROOT / configdoc.PAGE).read_text()) == expected, (
        f"{configdoc.PAGE}'s configuration table is stale: run python tools/configdoc.py"
    )
    assert configdoc.section((ROOT / "README.md").read_text()) is None  # one copy of the table, not two


def test_the_default_column_shows_what_make_demo_runs_and_the_schemas_default_where_it_differs():
    table = configdoc.section((ROOT / configdoc.PAGE).read_text())
    rows = {line.split("`")[1]: line for line in table.splitlines() if line[:3] == "| `"}
    assert "| `[0.9, 1.1]` (schema: `[]`) |" in rows["augment.tdsv.stretch_rates"]
    assert "| `1` (schema: `0`) |" in rows["augment.tisv.noise_copies"]
    assert "| `0.9` (schema: `0.0`) |" in rows["train.momentum"]
    assert "| `16` (required) |" in rows["train.tdsv.n_speakers"] and "| `1234` |" in rows["seed"]
    assert all(line.split(" | ")[3].strip() for line in rows.values()), "every key is described"


def test_every_default_key_is_documented():
    documented = {
        line.split("`")[1] for line in configdoc.markdown(yaml.safe_load(SCHEMA.read_text())).splitlines()[2:]
    }

    def leaves(node, prefix=""):
        for key, value in node.items():
            path = f"{prefix}.{key}" if prefix else key
            if prefix == "lr_schedules":
                yield from (f"lr_schedules.<name>.{k}" for k in value)
            elif isinstance(value, dict):
                yield from leaves(value, path)
            else:
                yield path

    assert set(leaves(merged("config.yaml"))) <= documented


# What Snakemake 9 itself prints around a WorkflowError raised while it reads the Snakefile (the start-up checks'
# way out): the profile it picked up, the config files it merged, where the error was raised, and that line's
# frame. Everything else on the console (stdout and stderr together) is the workflow's own.
SNAKEMAKE_FRAMING = (
    r"^Using workflow specific profile \S+ for setting default command line arguments\.$",
    r"^Config file \S+ is extended by additional config specified via the command line\.$",
    r'^WorkflowError in file ".+", line \d+:$',
    r'^  File ".+", line \d+, in <module>$',
)


def own_lines(proc):
    """The lines of a Snakemake run's console that are not Snakemake's framing of a start-up error."""
    lines = (proc.stdout + proc.stderr).splitlines()
    return [line for line in lines if line.strip() and not any(re.match(f, line) for f in SNAKEMAKE_FRAMING)]


@pytest.fixture(scope="module")
def corpora(tmp_path_factory):
    """A copy of the workflow, and small corpora laid out wrongly in the ways users do."""
    tmp = tmp_path_factory.mktemp("wrong")
    work = copy_workflow(tmp_path_factory.mktemp("work"))
    libri = write_librispeech(tmp / "data" / "LibriSpeech", {"train-clean-100": 2, "test-clean": 2})
    vox = write_voxceleb(tmp / "vox1_dev_wav" / "wav", ["id10001", "id10002"])
    keywords = write_speech_commands(tmp / "speech_commands", keywords=("yes",))
    (tmp / "notes" / "spk1").mkdir(parents=True)
    (tmp / "notes" / "spk1" / "readme.txt").write_text("no audio here\n")
    return work, {"libri": libri, "vox": vox, "keywords": keywords, "notes": tmp / "notes"}


WRONG = {  # name: (config text, with {libri} etc. filled in; the key the one line names; what else it says)
    "unknown key": ("modle: {hidden: 8}", "modle", "is not a known key; did you mean model?"),
    "misspelt nested key": (
        "corpus: {timit_rooot: builtin}",
        "corpus.timit_rooot",
        "is not a known key; did you mean corpus.timit_root?",
    ),
    "wrong type": ("train: {threads: two}", "train.threads", 'is "two"; expected auto or an integer >= 1'),
    "value outside an enum": (
        "corpus: {on_bad_file: ignore}",
        "corpus.on_bad_file",
        'is "ignore"; expected one of skip, fail',
    ),
    "placeholder root set by an overlay": (
        "corpus: {timit_root: /path/to/TIMIT}",
        "corpus.timit_root",
        "(set in config/overlay.yaml): '/path/to/TIMIT' is a placeholder",
    ),
    "LibriSpeech root that is its parent folder": (
        "corpus: {tisv_format: librispeech, librispeech: {root: '{libri.parent}', train_subsets: [train-clean-100]}}",
        "corpus.librispeech.root",
        "holds no SPEAKERS.TXT; {libri} does: point the key at that folder",
    ),
    "missing subset": (
        "corpus: {tisv_format: librispeech, librispeech: {root: '{libri}'}}",
        "corpus.librispeech.train_subsets",
        "has no subset folder 'train-clean-360' (its folders: test-clean, train-clean-100)",
    ),
    "VoxCeleb root without wav/": (
        "corpus: {tisv_format: voxceleb, voxceleb: {train_roots: ['{vox.parent}']}}",
        "corpus.voxceleb.train_roots",
        "holds no id<digits> speaker folders; {vox} does: point the key at that folder",
    ),
    "Speech Commands root without the keyword": (
        "corpus: {tdsv_format: speech_commands, speech_commands: {root: '{keywords}', keyword: seven}}",
        "corpus.speech_commands.keyword",
        "has no folder 'seven'",
    ),
    "folder corpus with no audio": (
        "corpus: {tisv_format: folder, folder: {root: '{notes}'}}",
        "corpus.folder.root",
        "holds no <speaker>/**/<audio file>",
    ),
}


def test_each_wrong_config_stops_before_any_job_with_one_line_naming_the_key(corpora):
    work, paths = corpora
    where = {**{k: str(v) for k, v in paths.items()}, **{f"{k}.parent": str(v.parent) for k, v in paths.items()}}
    for name, (text, key, says) in WRONG.items():
        text, says = (re.sub(r"\{([\w.]+)\}", lambda m: where[m[1]], t) for t in (text, says))
        layer = "config/overlay.yaml" if name.startswith("placeholder") else "config/wrong.yaml"
        (work / layer).write_text(text + "\n")
        proc = snakemake(work, "-n", config=["config/tiny.yaml", layer])
        console = (proc.stdout + proc.stderr).splitlines()
        lines = own_lines(proc)
        assert proc.returncode != 0 and len(lines) == 1, (name, console)
        assert lines[0].startswith(f"config key {key}") and says in lines[0], (name, lines[0])
        assert sum(f"config key {key}" in line for line in console) == 1, (name, console)
        assert "Job stats" not in proc.stdout + proc.stderr and not (work / "results").exists(), name


def test_a_ti_sv_only_run_on_librispeech_plans_nothing_of_td_sv(tmp_path):
    """experiments.tasks: [tisv]: no built-in corpus (the one job that needs the speech tools) and no Snips."""
    root = write_librispeech(tmp_path / "LibriSpeech", {"train-clean-100": 7, "test-clean": 3})
    (tmp_path / "work").mkdir()
    work = copy_workflow(tmp_path / "work")
    (work / "config" / "mine.yaml").write_text(
        f"experiments: {{tasks: [tisv]}}\ncorpus: {{tisv_format: librispeech, librispeech: {{root: {root}, "
        "train_subsets: [train-clean-100]}}\n"
    )
    proc = snakemake(work, "-n", config=["config/tiny.yaml", "config/mine.yaml"])
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    jobs = job_counts(proc.stdout + proc.stderr)
    assert jobs["convert_tisv"] == 1 and not {"builtin_corpus", "convert_snips", "convert_tdsv"} & set(jobs), jobs
    assert "results/tdsv" not in proc.stdout + proc.stderr


def test_the_keys_of_an_object_among_a_keys_alternatives_are_documented_too():
    rows = configdoc.markdown(yaml.safe_load(SCHEMA.read_text())).splitlines()
    keys = [line.split("`")[1] for line in rows[2:]]
    at = keys.index("evaluate.external.<name>")  # a folder, or {root, speakers}
    assert "string \\| object" in rows[2 + at]
    assert keys[at + 1 : at + 7] == [
        "evaluate.external.<name>.root",
        "evaluate.external.<name>.speakers.split.val",
        "evaluate.external.<name>.speakers.split.test",
        "evaluate.external.<name>.speakers.seed",
        "evaluate.external.<name>.speakers.part",
        "evaluate.trials.<name>.root",
    ]
