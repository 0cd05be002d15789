"""The results table (ge2e.results.table): its Markdown and HTML renderings carry the same cells."""

import re

from ge2e.results import table


def _result(eer):
    return {"eer_avg": eer, "eer_full": eer + 0.01, "eer_full_ci95": [eer - 0.02, eer + 0.03],
            "min_dcf_0.05": 0.5, "min_dcf_0.01": 0.9, "min_dcf_0.001": 1.0}  # fmt: skip


def test_markdown_and_html_tables_carry_the_same_cells():
    results = [("Ours: a & b", {"tdsv": _result(0.1234), "tisv": _result(0.2)}), ("Ours: half", {"tdsv": None})]
    md = table.render(results, "TD-SV on x, TI-SV on y")
    page = table.render_html(results, "TD-SV on x, TI-SV on y")
    md_cells = [c.strip() for line in md.splitlines() if line.startswith("| ") for c in line.strip("|").split("|")]
    html_cells = re.findall(r"<t[hd]>(.*?)</t[hd]>", page)
    assert html_cells == [c.replace("&", "&amp;") for c in md_cells]
    assert "| Ours: a & b | 0.1234 | 0.1334 [0.103, 0.153] | 0.2000 | 0.2100 [0.180, 0.230] |" in md
    assert "| Ours: half | n/r | n/r | n/r | n/r |" in md


def test_references_lead_and_external_sets_get_a_full_trial_table_each():
    ours = [("Ours", {"tisv": _result(0.2)})]
    md = table.render(ours, "x", external=[("calls", "/data/calls", [("Ours", {"tisv": _result(0.3)})])])
    rows = [line for line in md.splitlines() if line.startswith("| ") and "System" not in line]
    assert (
        rows[0] == "| Paper (Wan et al. 2018, GE2E), Google-internal data | 0.031 | n/r | 0.0406 | n/r |"
    )  # published, as printed
    assert rows[len(table.REFERENCES)] == "| Ours | n/r | n/r | 0.2000 | 0.2100 [0.180, 0.230] |"
    assert "External set 'calls' (/data/calls)" in md
    # Full EERs, then minDCF at p = 0.05, 0.01 and 0.001 of each task.
    assert rows[-1] == "| Ours | n/r | 0.3100 [0.280, 0.330] | n/r | n/r | n/r | 0.5000 | 0.9000 | 1.0000 |"


def test_references_show_only_for_tasks_on_the_corpora_they_were_measured_on():
    ours = [("Ours", {"tdsv": _result(0.1), "tisv": _result(0.2)})]
    none = table.render(ours, "TD-SV on Speech Commands, TI-SV on LibriSpeech", references=[])
    assert "Paper" not in none and "No published figures are shown" in none
    assert "References are published" not in table.render_html(ours, "x", references=[])
    partial = table.render(ours, "TD-SV on Snips, TI-SV on LibriSpeech", references=["tdsv"])
    assert "| Paper (Wan et al. 2018, GE2E), Google-internal data | 0.031 | n/r |  |  |" in partial
    assert "for TD-SV only (TI-SV is measured" in " ".join(partial.split())
    assert table.render(ours, "x", references=["tdsv", "tisv"]) == table.render(ours, "x")  # all: as ever


def test_min_dcf_is_reported_at_every_prior_of_one_list():
    from ge2e.evaluate.metrics import P_TARGETS

    assert P_TARGETS == (0.05, 0.01, 0.001)  # VoxSRC's prior, then NIST SRE's two
    md = table.render([("Ours", {"tisv": _result(0.2)})], "x", external=[("calls", "/c", [])])
    headers = [line for line in md.splitlines() if line.startswith("| System") and "minDCF" in line]
    assert len(headers) == 2  # the test speakers' minDCF table and the external set's section
    for header in headers:
        for task in ("TD-SV", "TI-SV"):
            assert all(f"{task} minDCF (p={p})" in header for p in P_TARGETS), header
    assert "| Ours | n/r | n/r | n/r | 0.5000 | 0.9000 | 1.0000 |" in md


def test_each_trial_list_gets_a_section_of_its_own_after_the_external_sets():
    listed = {**_result(0.1), "target_trials": 30, "nontarget_trials": 270, "trials_skipped": 0}
    about = {"root": "/data/vox1", "trials": "/data/veri_test2.txt", "format": "voxceleb", "asnorm_top_k": None}
    external = [("calls", "/c", [("Ours", {"tisv": _result(0.3)})])]
    trial_lists = [("vox1-o", about, [("Ours", {"tisv": listed})]), ("k", {**about, "asnorm_top_k": 50}, [])]
    md = table.render([("Ours", {"tisv": _result(0.2)})], "x", external, trial_lists)
    html = table.render_html([("Ours", {"tisv": _result(0.2)})], "x", external, trial_lists)
    section = md[md.index("Trial list 'vox1-o'") :]
    assert md.index("External set 'calls'") < md.index("Trial list 'vox1-o'") < md.index("Trial list 'k'")
    assert "(/data/veri_test2.txt, voxceleb form, audio under /data/vox1): 300 trials (30 target); " in section
    assert "raw cosine scores" in section and "top 50 cohort scores per side" in md[md.index("Trial list 'k'") :]
    assert "| System | TD-SV EER | TI-SV EER | TD-SV minDCF (p=0.05) |" in section
    assert "| Ours | n/r | 0.1100 [0.080, 0.130] | n/r | n/r | n/r | 0.5000 | 0.9000 | 1.0000 |" in section
    assert "Trial list &#x27;vox1-o&#x27;" in html


def test_a_table_over_seeds_says_so_and_a_run_of_one_task_has_its_columns_only():
    ours = [("Ours", {"tisv": _result(0.2)})]
    one = table.render(ours, "x")
    assert "from a speaker bootstrap in brackets" in one and "seeds" not in one
    md = table.render(ours, "x", tasks=("tisv",), seeds=(1, 2, 3))
    assert "mean over 3 seeds" in md and "(1, 2, 3)" in md and table.PER_SEED in md
    header = next(line for line in md.splitlines() if line.startswith("| System"))
    assert header == "| System | TI-SV EER (avg) | TI-SV EER (full) |"
    assert "| Paper (Wan et al. 2018, GE2E), Google-internal data | 0.0406 | n/r |" in md
    assert "<code>results/eer_per_seed.tsv</code>" in table.render_html(ours, "x", tasks=("tisv",), seeds=(1, 2))


def test_the_per_seed_companion_has_a_line_per_seed():
    record = {"set": "test", "task": "tisv", "variant": "default", "schedule": "const", "checkpoint": "final"}
    seeded = record | {"seed": 1, "result": {**_result(0.1), "val_eer": 0.25}}
    text = table.render_per_seed([seeded, record | {"seed": None, "result": {**_result(0.2), "eer_avg": None}}])
    lines = [line.split("\t") for line in text.splitlines()]
    assert lines[0][:8] == ["set", "task", "variant", "schedule", "checkpoint", "seed", "eer_avg", "eer_full"]
    assert lines[1][:8] == ["test", "tisv", "default", "const", "final", "1", "0.100000", "0.110000"]
    assert lines[2][5:7] == ["-", ""] and len({len(line) for line in lines}) == 1
    assert (lines[0][-1], lines[1][-1], lines[2][-1]) == ("val_eer", "0.250000", "")  # the baseline has none


def _decided(eer):
    decision = {"cllr": 0.71, "min_cllr": 0.52, "act_dcf_0.05": 0.6, "act_dcf_0.01": 0.95, "act_dcf_0.001": 1.0}
    decision |= {"far_at_eer": 0.08, "frr_at_eer": 0.12, "far_at_far1": 0.02, "frr_at_far1": 0.4}
    decision |= {"far_at_far0.1": 0.0, "frr_at_far0.1": 0.9}
    return _result(eer) | {"decision": decision}


def test_decisions_get_a_section_per_task_and_leave_the_eer_tables_as_they_were():
    plain = [("Ours", {"tisv": _result(0.2)}), ("MFCC", {"tisv": _result(0.1)})]
    decided = [("Ours", {"tisv": _decided(0.2)}), ("MFCC", {"tisv": _result(0.1)})]
    before, after = table.render(plain, "x", tasks=("tisv",)), table.render(decided, "x", tasks=("tisv",))
    assert after.startswith(before)  # the new section comes after every EER and minDCF row, which stay as they were
    section = after[len(before) :]
    assert "TI-SV decisions on the test speakers, by the calibration and thresholds chosen on the validation" in section
    assert (
        "| System | Cllr | min Cllr | act / min DCF (p=0.05) | act / min DCF (p=0.01) | act / min DCF (p=0.001) |"
        in section
    )
    assert (
        "FAR / FRR at the validation EER threshold | FAR / FRR at 1 % FA on validation | FAR / FRR at 0.1 % FA"
        in section
    )
    assert (
        "| Ours | 0.7100 | 0.5200 | 0.6000 / 0.5000 | 0.9500 / 0.9000 | 1.0000 / 1.0000 | 0.0800 / 0.1200 "
        "| 0.0200 / 0.4000 | 0.0000 / 0.9000 |" in section
    )
    assert "| MFCC | n/a | n/a | n/a | n/a | n/a | n/a | n/a | n/a |" in section


def test_the_references_are_attributed_and_the_avg_column_says_how_many_speakers_it_used():
    ours = {"tdsv": {**_result(0.1), "eer_avg_speakers": 28, "speakers": 32}, "tisv": {**_result(0.2), "speakers": 32}}
    text = " ".join(table.render([("Ours", ours)], "x").split())
    assert "Google-internal data" in text and "github.com/KunHanKH/GE2E_Speaker_Verification" in text
    assert "github.com/HarryVolek/PyTorch_Speaker_Verification" in text
    assert "utterances (here TD-SV 28 of 32 test speakers: one with fewer than M utterances" in text
    ours["tisv"]["eer_avg_speakers"] = 32
    assert "(here TD-SV 28 of 32 and TI-SV all 32 test speakers:" in " ".join(
        table.render([("Ours", ours)], "x").split()
    )
    assert "(here" not in table.render([("Ours", {"tisv": _result(0.2)})], "x")  # results that do not say


def test_a_mean_row_fills_its_tasks_cells_and_the_note_says_how_it_is_made():
    from ge2e.results.rows import MeanRow

    mean = MeanRow("Ours, mean over keywords: step lr", "tdsv", ("a", "b"), ("yes", "no", "up"), "b")
    results = [("b", {"tdsv": _decided(0.1), "tisv": _decided(0.2)}),
               (mean.label, {"tdsv": _decided(0.15), "tisv": table.OTHER_TASK})]  # fmt: skip
    md = table.render(results, "x", seeds=(1, 2), means=[mean])
    assert "| Ours, mean over keywords: step lr | 0.1500 | 0.1600 [0.130, 0.180] |  |  |" in md
    assert "| Ours, mean over keywords: step lr | 0.5000 | 0.9000 | 1.0000 |  |  |  |" in md  # minDCF
    assert "TD-SV decisions" in md and md.count("| Ours, mean over keywords: step lr |") == 3  # none for TI-SV
    text = " ".join(md.split())
    assert "A *mean over keywords* row averages a system's TD-SV cells over the keywords 'yes', 'no' and 'up'" in text
    assert "each seed's EERs and minDCFs averaged over the keywords first, then those means over the seeds" in text
    one = " ".join(table.render(results, "x", means=[mean]).split())
    assert (
        "its interval is a speaker bootstrap drawing the test speakers by name from all the keywords' speakers" in one
    )
    assert "mean over keywords" not in table.render(results[:1], "x", seeds=(1, 2))  # no mean rows: no note
    assert table.render(results[:1], "x", means=()) == table.render(results[:1], "x")
