"""What a run makes and where (ge2e.plan.targets): each system's results per seed, the table rows that read them,
the figures and the final targets, for a plain run and an experiment grid."""

from layouts import write_speech_commands
from run_configs import run_config

from ge2e.plan import grid
from ge2e.plan.targets import Targets, table_inputs
from ge2e.results.rows import SeedFiles
from ge2e.systems import systems


def targets(*layers, external=None, trials=None):
    config = run_config(*layers)
    g = grid.Grid(config, grid.checked_variants(config))
    found = systems(g.schedules, g.variants, g.own_inits(), g.own_features())
    return Targets(g, found, external or {}, trials or {}, None)


def test_a_plain_runs_targets_and_rows():
    t = targets()
    final = t.final(["results/downloads/musan.done"])
    assert final[:4] == ["results/eer_table.md", "results/eer_table.html", "results/eer_per_seed.tsv", *final[3:4]]
    assert final[3] == "results/run_summary.html" and final[-1] == "results/downloads/musan.done"
    assert "results/plots/loss_tisv_step.png" in final and "results/plots/embeddings_tdsv.png" in final
    assert "results/ablation.md" not in final  # one variant: nothing to compare
    rows = t.table_rows()
    assert [r.checkpoint for r in rows] == ["final", "best", "final", "best", "init", "mfcc"]
    assert rows[0].tasks["tisv"] == [
        SeedFiles(7, "results/tisv/const/eval/test/final.json", "results/tisv/const/eval/test/final_scores.tsv")
    ]
    assert rows[-1].tasks["tdsv"] == [
        SeedFiles(None, "results/tdsv/baselines/test/mfcc.json", "results/tdsv/baselines/test/mfcc_scores.tsv")
    ]
    # One seed: the tables read the result JSONs only.
    assert table_inputs(rows) == [e.json for r in rows for e in r.entries()]
    assert table_inputs(rows, every_score=True)[-1] == "results/tisv/baselines/test/mfcc_scores.tsv"


def test_a_grid_has_a_result_per_seed_the_ablation_and_each_variants_figures():
    t = targets(
        "experiments: {seeds: [7, 8], variants: {mom0: {train: {momentum: 0.0}}}, tasks: [tisv], schedules: [const]}"
    )
    assert "results/ablation.md" in t.final() and "results/variants/mom0/plots/det_tisv_test.png" in t.plots()
    mom0 = next(r for r in t.table_rows() if r.variant == "mom0" and r.checkpoint == "final")
    assert [e.seed for e in mom0.tasks["tisv"]] == [7, 8]
    assert mom0.tasks["tisv"][1].json == "results/variants/mom0/seed8/tisv/const/eval/test/final.json"
    inputs = table_inputs(t.table_rows())  # several seeds: the scores too, for the intervals over seeds
    assert "results/variants/mom0/seed8/tisv/const/eval/test/final_scores.tsv" in inputs
    assert t.loss_files("results/variants/mom0", "tisv", "const") == [
        "results/variants/mom0/tisv/const/loss.tsv",
        "results/variants/mom0/seed8/tisv/const/loss.tsv",
    ]
    # The variant's figures: its checkpoints, and the untrained encoder and MFCC baseline it shares with default.
    shown = [(s.variant, s.checkpoint) for s, _ in t.plot_systems("results/variants/mom0", "tisv", "test")]
    assert shown == [("mom0", "final"), ("mom0", "best"), ("default", "init"), ("default", None)]


def test_external_sets_and_trial_lists_have_sections_of_their_own():
    spec = {"root": "r", "trials": "t.txt", "format": "voxceleb", "enrol": "", "utt2path": ""}
    t = targets(external={"dev": "/data/dev"}, trials={"vox": spec})
    assert t.eval_sets == ["test", "dev", "vox"]
    (name, root, rows), (listed, about, listed_rows) = t.external_tables() + t.trial_tables()
    assert (name, root, listed) == ("dev", "/data/dev", "vox")
    assert about == {"root": "r", "trials": "t.txt", "format": "voxceleb", "asnorm_top_k": None}
    assert rows[0].tasks["tisv"][0].json == "results/tisv/const/eval/dev/final.json"
    assert len(t.all_table_rows()) == 3 * len(t.table_rows())


def test_make_clean_removes_every_output_of_a_run():
    """Each top-level path under results/ that a rule writes (results/... or a grid root's {root}/...), the grid's
    roots of other variants and seeds, the per-seed table and the report are in the Makefile's CLEAN; the
    downloads are kept."""
    import re
    from pathlib import Path

    from ge2e.plan.corpora import BUILTIN_ROOT
    from ge2e.plan.downloads import MARKERS
    from ge2e.results.table import PER_SEED

    root = Path(__file__).resolve().parents[1]
    makefile = root.joinpath("Makefile").read_text().replace("\\\n", " ")
    clean = set(re.search(r"^CLEAN := (.*)$", makefile, re.MULTILINE).group(1).split())
    written = set()
    for smk in root.joinpath("workflow", "rules").glob("*.smk"):
        for top in re.findall(r'"(?:results|\{root\})/([^/"{]+)', smk.read_text()):
            written.add(f"results/{top}")
    written |= {PER_SEED, BUILTIN_ROOT, "results/variants", "results/seed*"}
    written |= {"results/report.html", "results/tdsv", "results/tisv"}
    assert written - {MARKERS} <= clean, sorted(written - {MARKERS} - clean)
    assert MARKERS not in clean


def test_variants_of_the_td_sv_keyword_have_their_own_baseline_and_no_ablation(tmp_path):
    root = write_speech_commands(tmp_path / "sc", "google")
    corpus = f"corpus: {{tdsv_format: speech_commands, speech_commands: {{root: {root}, keyword: ok}}}}"
    t = targets(corpus, "experiments: {variants: {word_yes: {corpus: {speech_commands: {keyword: 'yes'}}}}}")
    mfcc = next(r for r in t.table_rows() if r.variant == "word_yes" and r.checkpoint == "mfcc")
    assert mfcc.tasks["tdsv"][0].json == "results/variants/word_yes/tdsv/baselines/test/mfcc.json"
    assert mfcc.tasks["tisv"][0].json == "results/tisv/baselines/test/mfcc.json"  # TI-SV: the default's
    # Another keyword is another test set: no trial pairs it with default's, so it is left out of the ablation.
    assert t.ablated() == [] and "results/ablation.md" not in t.final()
    word_yes = "word_yes: {corpus: {speech_commands: {keyword: 'yes'}}}"
    t = targets(corpus, f"experiments: {{variants: {{{word_yes}, mom0: {{train: {{momentum: 0}}}}}}}}")
    assert t.ablated() == ["mom0"] and "results/ablation.md" in t.final()
    (name, where, rows), *_ = t.ablation_sections()
    assert name == "test" and where is None and {r.variant for r in rows} == {"default", "mom0"}
    shown = [(s.variant, s.checkpoint) for s, _ in t.plot_systems("results/variants/word_yes", "tdsv", "test")]
    assert shown[-2:] == [("word_yes", "init"), ("word_yes", None)]


def test_keyword_variants_get_a_mean_row_per_system_after_the_rows_of_its_kind(tmp_path):
    root = write_speech_commands(tmp_path / "sc", "google")
    corpus = f"corpus: {{tdsv_format: speech_commands, speech_commands: {{root: {root}, keyword: ok}}}}"
    words = (
        "word_yes: {corpus: {speech_commands: {keyword: 'yes'}}}, word_no: {corpus: {speech_commands: {keyword: 'no'}}}"
    )
    t = targets(corpus, f"experiments: {{schedules: [step], variants: {{{words}, mom0: {{train: {{momentum: 0}}}}}}}}")
    means = t.keyword_means()
    assert [(m.label, m.task, m.over) for m in means] == [
        (f"Ours, mean over keywords: {what}", "tdsv", ("ok", "yes", "no"))
        for what in ("step lr, final checkpoint", "step lr, best checkpoint", "untrained encoder")
    ] + [("MFCC mean+std cosine baseline (no training), mean over keywords", "tdsv", ("ok", "yes", "no"))]
    assert means[1].of == (
        "Ours: step lr, best checkpoint",
        "Ours, word_yes: step lr, best checkpoint",
        "Ours, word_no: step lr, best checkpoint",
    )  # not mom0's, which reads the default's keyword with another recipe
    assert means[0].after == means[1].after == "Ours, word_no: step lr, best checkpoint"  # before mom0's rows
    assert means[2].after == "Ours, word_no: untrained encoder"
    assert means[3].after == "MFCC mean+std cosine baseline (no training), word_no's features"
    # One seed: a mean's interval reads the scores of the rows it averages (of its task alone), as several seeds do.
    rows = t.all_table_rows()
    averaged = {e.scores for r in rows if r.label in means[0].of for e in r.tasks["tdsv"]}
    assert averaged <= set(table_inputs(rows, means=means)) and not averaged & set(table_inputs(rows))
    assert not any(s.endswith("_scores.tsv") and "/tisv/" in s for s in table_inputs(rows, means=means))
    assert targets(corpus).keyword_means() == []  # no keyword variant: no mean row


def test_the_real_speech_recipe_averages_its_four_words():
    config = run_config(base=("config.yaml", "real-speech.yaml"))
    g = grid.Grid(config, grid.checked_variants(config))
    found = systems(g.schedules, g.variants, g.own_inits(), g.own_features())
    means = Targets(g, found, {}, {}, None).keyword_means()
    assert len(means) == 4 and {m.over for m in means} == {("yes", "no", "up", "down")}
