"""The rows of the result tables (ge2e.results.rows): one system's files per task and seed, and what names it."""

from ge2e.results.rows import SeedFiles, TableRow


def test_a_row_names_its_system_and_lists_every_seeds_files():
    seeds = [SeedFiles(1, "a/1.json", "a/1.tsv"), SeedFiles(2, "a/2.json", "a/2.tsv")]
    row = TableRow("Ours: const lr, final checkpoint", "default", "const", "final", {"tdsv": seeds[:1], "tisv": seeds})
    assert row.system() == {"variant": "default", "schedule": "const", "checkpoint": "final"}
    assert row.entries() == [seeds[0], *seeds]
    seed, json, scores = row.tasks["tisv"][1]  # a seed's entry reads as the triple it is
    assert (seed, json, scores) == (2, "a/2.json", "a/2.tsv") and row.tasks["tisv"][1].scores == "a/2.tsv"


def test_the_mfcc_baseline_has_one_entry_of_no_seed():
    row = TableRow("MFCC", "default", None, "mfcc", {"tisv": [SeedFiles(None, "m.json", "m.tsv")]})
    assert row.system()["schedule"] is None and [e.seed for e in row.entries()] == [None]
