"""The ablation (ge2e.results.ablation): each variant against default, seed by seed, in Markdown and HTML alike."""

import json
import re

import numpy as np
import pytest
from feature_sets import feature_set

from ge2e.evaluate import metrics, protocols
from ge2e.results import ablation
from ge2e.results.rows import SeedFiles, TableRow


def write_system(folder, name, shift, seeds=(1, 2), val_eer=None):
    """Per seed: a scores TSV of full trials (targets ``shift`` above noise) and its result JSON (with the
    checkpoint's validation EER at seed s, ``val_eer * s``, where given)."""
    fs = feature_set([4, 4, 4, 4])
    entries = []
    for seed in seeds:
        rng = np.random.default_rng(seed)
        emb = rng.normal(size=(len(fs), 8))
        emb += shift * np.eye(8)[[int(s[1:]) for s in fs.speakers]]
        full = protocols.full_trials(emb, fs.speakers)
        protocols.write_scores(folder / f"{name}{seed}.tsv", fs, full)
        rate = metrics.eer(full["scores"].ravel(), full["labels"].ravel())
        about = {} if val_eer is None else {"val_eer": val_eer * seed}
        (folder / f"{name}{seed}.json").write_text(json.dumps({"eer_full": rate, **about}))
        entries.append(SeedFiles(seed, str(folder / f"{name}{seed}.json"), str(folder / f"{name}{seed}.tsv")))
    return entries


def row(variant, checkpoint, entries, schedule="const"):
    return TableRow(f"Ours, {variant}: const lr, {checkpoint}", variant, schedule, checkpoint, entries)


def test_each_variant_is_compared_with_default_seed_by_seed(tmp_path):
    good, poor = write_system(tmp_path, "good", 3.0, val_eer=0.1), write_system(tmp_path, "poor", 0.2, val_eer=0.2)
    rows = [
        row("default", "final", {"tisv": good}),
        row("default", "best", {"tisv": good}),
        row("worse", "final", {"tisv": poor}),
        row("worse", "best", {"tisv": poor}),
        row("same", "final", {"tisv": good}),  # trains exactly as default: the same files
        row("same", "best", {"tisv": good}),
        row("default", "mfcc", {"tisv": good[:1]}, schedule=None),  # baselines are not compared
    ]
    compared = ablation.compare(rows, "test", ["tisv"], 7, 200)
    assert [(c["variant"], c["checkpoint"]) for c in compared] == [
        ("worse", "final"), ("worse", "best"), ("same", "final"), ("same", "best")
    ]  # fmt: skip
    worse = compared[0]
    assert worse["diff"] == pytest.approx(worse["value"] - worse["default"]) and worse["diff"] > 0
    assert 0 < worse["low"] <= worse["diff"] <= worse["high"] and worse["better"] == 0 and worse["seeds"] == 2
    assert compared[2]["same"] and (compared[2]["diff"], compared[2]["low"], compared[2]["high"]) == (0, 0, 0)
    # Validation: the mean over seeds 1 and 2 of each checkpoint's val_eer, 0.1 * s and 0.2 * s.
    assert (worse["val_default"], worse["val_value"]) == pytest.approx((0.15, 0.3))

    sections = [("test", None, compared), ("dev", "/data/dev", compared[:1])]
    md = ablation.render(sections, [1, 2], 200)
    assert "mean over 2 seeds (1, 2)" in md and "Set 'dev' (/data/dev):" in md
    assert re.search(
        r"\| worse \| TI-SV \| const \| final \| 0\.1500 → 0\.3000 \| 0\.\d{4} \| 0\.\d{4} \| \+0\.\d{4} \[", md
    )
    assert "Choose between variants on the validation column" in md
    assert "| same | TI-SV | const | final |" in md and "(trains as default)" in md
    page = ablation.render_html(sections, [1, 2], 200)
    md_cells = [c.strip() for line in md.splitlines() if line.startswith("| ") for c in line.strip("|").split("|")]
    assert re.findall(r"<t[hd]>(.*?)</t[hd]>", page) == md_cells


def test_a_result_without_a_validation_eer_shows_none(tmp_path):
    # Results written before checkpoints carried their validation EER into them (or a baseline's) have none.
    plain = write_system(tmp_path, "plain", 3.0)
    rows = [row("default", "final", {"tisv": plain}), row("other", "final", {"tisv": plain})]
    (compared,) = ablation.compare(rows, "test", ["tisv"], 7, 50)
    assert compared["val_default"] is None and "| n/a |" in ablation.render([("test", None, [compared])], [1, 2], 50)
