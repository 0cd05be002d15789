"""The layout rules of the repository: each library module's tests under its name, no sys.path edits."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = ROOT / "workflow" / "scripts" / "ge2e"
# Library modules with no test module of their own, and why.
WITHOUT_TESTS = {
    "__init__": "the package's docstring and version",
    **{f"{p.parent.name}/__init__": "the package's docstring" for p in LIBRARY.glob("*/__init__.py")},
    "errors": "two exception classes, raised and matched throughout the suite",
    "train/loss_reference": "the reference itself: tests/test_loss.py checks GE2ELoss against it",
}
PATH_EDIT = re.compile(r"sys\.path\.(insert|append)\(")


def test_each_library_module_has_a_test_module_named_for_it():
    modules = [p.relative_to(LIBRARY).with_suffix("").as_posix() for p in sorted(LIBRARY.rglob("*.py"))]
    assert set(WITHOUT_TESTS) <= set(modules), "an exemption names a module that is gone"
    expected = {m: f"test_{m.replace('/', '_')}.py" for m in modules if m not in WITHOUT_TESTS}
    missing = [f"ge2e/{m}.py -> tests/{name}" for m, name in expected.items() if not (ROOT / "tests" / name).exists()]
    assert not missing, f"library modules without their test module: {missing}"


def test_only_the_snakefile_edits_sys_path():
    # Everything else imports ge2e from the editable install; the Snakefile says why it cannot.
    files = [p for folder in ("bench", "docs", "tests", "tools", "workflow") for p in (ROOT / folder).rglob("*.py")]
    files += list((ROOT / "workflow" / "rules").glob("*.smk"))
    assert [str(p.relative_to(ROOT)) for p in files if PATH_EDIT.search(p.read_text())] == []
    assert PATH_EDIT.search((ROOT / "Snakefile").read_text())


def test_every_rule_claiming_all_cores_starts_before_one_thread_jobs():
    # On 2 cores the scheduler otherwise fills free cores with features and training jobs, and a corpus
    # conversion that needs them all waited behind a whole training run (CORPUS_PRIORITY in common.smk).
    rules = "".join(p.read_text() for p in sorted((ROOT / "workflow" / "rules").glob("*.smk")))
    bodies = re.split(r"\n(?=rule \w+:)", rules)[1:]
    all_cores = [b.split(":")[0] for b in bodies if "threads: MAX_THREADS" in b]
    assert all_cores, "no rule claims MAX_THREADS: the check below would check nothing"
    assert [
        b.split(":")[0] for b in bodies if "threads: MAX_THREADS" in b and "priority: CORPUS_PRIORITY" not in b
    ] == []
