"""ge2e.plan.start_up: the workflow's start-up, as common.smk calls it, run in-process (tests/run_configs.start_up)."""

import pytest
from run_configs import start_up

from ge2e.errors import InputError
from ge2e.plan.start_up import Plan


def test_a_good_config_is_filled_in_place_and_planned_once_for_every_rule():
    plan = start_up(("config/more.yaml", "experiments: {seeds: [1, 2], variants: {wide: {model: {hidden: 8}}}}\n"))
    assert isinstance(plan, Plan) and set(plan.variant_config) == {"default", "wide"}
    assert plan.grid.seeds == [1, 2] and plan.variant_config["wide"]["model"]["hidden"] == 8
    # The schema's defaults are filled in, in the config the variants were made from.
    assert plan.variant_config["default"]["evaluate"]["external"] == {} and plan.external == {}
    assert plan.trials == {}


# (config file text, what the workflow says): each a mistake the start-up stops on, before any job (test_pipeline.py
# runs Snakemake on the first of each kind: a schema error, a start-up check, a variant's).
START_UP_ERRORS = [
    ("modle: {hidden: 8}", "config key modle (set in config/bad.yaml) is not a known key; did you mean model?"),
    ("corpus: {timit_root: /no/such/TIMIT}", "corpus.timit_root: '/no/such/TIMIT' is not a folder"),
    (
        "experiments: {variants: {quick: {evaluate: {repeats: 2}}}}",
        "config key experiments.variants.quick.evaluate: a variant may change only train, model, lr_schedules, "
        "augment, features",
    ),
    (
        "train: {threads: two}",
        'config key train.threads (set in config/bad.yaml) is "two"; expected auto or an integer >= 1',
    ),
    (
        "train: {tisv: {n_speakers: 90, n_utterances: 5, frames: [140, 180], epochs: 1}}",
        "tisv: train.tisv.n_speakers=90 needs 90 training speakers, but the built-in corpus (builtin.timit) has 80",
    ),
    (
        "evaluate: {tdsv: {n_speakers: 40, n_utterances: 4, frames: 70}}",
        "tdsv: the test split of the built-in corpus (builtin.snips) has 32 speakers, 40 needed "
        "(evaluate.tdsv.n_speakers)",
    ),
    (
        "corpus: {tisv_format: librispeech, librispeech: {root: /no/such/LibriSpeech}}",
        "config key corpus.librispeech.root: '/no/such/LibriSpeech' is not a folder",
    ),
    ("corpus: {tisv_format: voxceleb}", "config key corpus.voxceleb.train_roots is empty: set it"),
    ("corpus: {tdsv_format: speech_commands}", "config key corpus.speech_commands.root is empty: set it"),
    (
        "corpus: {tisv_extra_train: {synth: {format: builtin}}}",
        "config key corpus.tisv_extra_train.synth: the main TI-SV corpus is the built-in one already",
    ),
    (
        "corpus: {tisv_extra_train: {more: {format: folder, root: /no/such/speakers}}}",
        "config key corpus.tisv_extra_train.more.root: '/no/such/speakers' is not a folder",
    ),
    (
        "experiments: {variants: {fast: {train: {momentum: high}}}}",
        'config key experiments.variants.fast.train.momentum is "high"; expected a number >= 0',
    ),
    (
        "experiments: {variants: {big: {train: {tisv: {n_speakers: 90}}}}}",
        "experiments.variants.big: tisv: train.tisv.n_speakers=90 needs 90 training speakers",
    ),
    (
        "augment: {tdsv: {noise_roots: [/no/such/musan/noise]}}",
        "config key augment.tdsv.noise_roots: '/no/such/musan/noise' is not a folder",
    ),
    (
        "experiments: {variants: {rooms: {augment: {tisv: {rir_roots: [/no/such/rirs]}}}}}",
        "config key experiments.variants.rooms.augment.tisv.rir_roots: '/no/such/rirs' is not a folder",
    ),
    (
        "train: {tdsv: {init: tisv}}\nexperiments: {tasks: [tdsv]}",
        "config key train.tdsv.init: 'tisv' starts TD-SV from this run's TI-SV best.pt, but the run does not "
        "train tisv",
    ),
    ("train: {tisv: {init: /no/such/best.pt}}", "config key train.tisv.init: '/no/such/best.pt' is not a file"),
    (
        "train: {tdsv: {multireader: {source: tisv, weight: -1}}}",
        "multireader.weight (set in config/bad.yaml) is -1; expected a number >= 0",
    ),
    (
        "train: {tdsv: {multireader: {source: tdsv, weight: 1}}}",
        "config key train.tdsv.multireader.source: 'tdsv' is this task itself",
    ),
]


@pytest.mark.parametrize(("config", "message"), START_UP_ERRORS)
def test_the_workflows_start_up_stops_on_each_mistake_with_its_line(config, message):
    """``snakemake --configfile config/bad.yaml`` with this file: the workflow's start-up raises the line it prints."""
    with pytest.raises(InputError) as caught:
        start_up(("config/bad.yaml", config + "\n"))
    assert message in str(caught.value)
