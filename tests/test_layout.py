"""The layout rules of the repository: one package per stage, each importing only what its docstring allows, each
library module's tests under its name, no sys.path edits."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = ROOT / "workflow" / "scripts" / "ge2e"
PACKAGES = sorted(p.parent.name for p in LIBRARY.glob("*/__init__.py"))
SHARED = sorted(p.stem for p in LIBRARY.glob("*.py") if p.stem != "__init__")
COMMANDS = ("cli", "export")  # the modules at the top that use the stages: the `ge2e` command and its export
# Library modules with no test module of their own, and why.
WITHOUT_TESTS = {
    "errors": "two exception classes, raised and matched throughout the suite",
    "train/loss_reference": "the reference itself: tests/test_train_loss.py checks GE2ELoss against it",
}
# Test modules that test no one library module: the workflow end to end, the repository, fixtures.
ACROSS_MODULES = {
    "test_bad_input": "bad files through conversion and features",
    "test_bench": "the benchmarks' quick run",
    "test_config": "the shipped configs and the configuration reference",
    "test_docs": "links and paths in the manual",
    "test_download_workflow": "the Snakefile's downloads end to end",
    "test_envs": "the conda environments",
    "test_grid": "an experiment grid end to end",
    "test_layout": "this file",
    "test_pipeline": "the Snakefile end to end",
    "test_placeholder": "bench/placeholder.py, the placeholder corpora of the benchmarks and tests",
    "test_real_speech_config": "the real-speech configs' plans",
    "test_reproducible": "the stored checksums of a run",
    "test_rerun": "what reruns after a change",
    "test_slurm": "the SLURM profile",
}


def library_modules():
    """Every module of the library but the packages' ``__init__``: ``<package>/<module>`` or ``<module>``."""
    paths = sorted(p for p in LIBRARY.rglob("*.py") if p.name != "__init__.py")
    return [p.relative_to(LIBRARY).with_suffix("").as_posix() for p in paths]


def named_tests(module):
    """The test module of a library module: tests/test_<package>_<module>.py, or tests/test_<module>.py at the top."""
    return f"test_{module.replace('/', '_')}"


def test_the_library_is_one_level_of_packages_whose_init_is_a_docstring():
    assert all(len(Path(m).parts) <= 2 for m in library_modules()), "a package inside a package"
    for init in [LIBRARY / "__init__.py", *(LIBRARY / p / "__init__.py" for p in PACKAGES)]:
        body = ast.parse(init.read_text()).body
        assert ast.get_docstring(ast.Module(body, [])), f"{init.relative_to(ROOT)} says nothing of its package"
        code = [n for n in body[1:] if not (isinstance(n, ast.Assign) and n.targets[0].id == "__version__")]
        assert code == [], f"{init.relative_to(ROOT)} holds code: its modules are where code lives"


def test_each_library_module_has_a_test_module_named_for_it_and_each_test_module_a_subject():
    modules = library_modules()
    assert set(WITHOUT_TESTS) <= set(modules), "an exemption names a module that is gone"
    expected = {named_tests(m): m for m in modules if m not in WITHOUT_TESTS}
    tests = {p.stem for p in (ROOT / "tests").glob("test_*.py")}
    missing = [f"ge2e/{m}.py -> tests/{name}.py" for name, m in expected.items() if name not in tests]
    assert not missing, f"library modules without their test module: {missing}"
    orphans = sorted(tests - set(expected) - set(ACROSS_MODULES))
    assert not orphans, f"test modules named for no library module (rename them, or list them above): {orphans}"


def allowed_packages(package=None):
    """The packages the ``May import:`` paragraph of a package's docstring (the library's for None) names."""
    init = LIBRARY / (f"{package}/__init__.py" if package else "__init__.py")
    doc = ast.get_docstring(ast.parse(init.read_text()))
    paragraph = next((p for p in doc.split("\n\n") if p.startswith("May import:")), None)
    assert paragraph, f"{init.relative_to(ROOT)}: no 'May import:' paragraph"
    named = set(re.findall(r"ge2e\.(\w+)", paragraph))
    assert named <= set(PACKAGES) | set(SHARED), f"{init.relative_to(ROOT)} allows what is not there: {named}"
    return named & set(PACKAGES)


def imported_packages(path):
    """The library packages a module imports (at its top or inside functions), and the shared modules."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            # from ge2e import x: x is a package or a shared module; from ge2e.x[.y] import ...: x is
            names = [f"{node.module}.{a.name}" for a in node.names] if node.module == "ge2e" else [node.module]
        else:
            continue
        found |= {name.split(".")[1] for name in names if name.startswith("ge2e.")}
    return found


@pytest.mark.parametrize("package", [None, *PACKAGES])
def test_each_package_imports_only_the_packages_its_docstring_allows(package):
    allowed = allowed_packages(package)
    if package is None:  # the shared modules at the top import each other; the command, the stages it runs
        sources = {m: LIBRARY / f"{m}.py" for m in SHARED}
    else:
        sources = {f"{package}/{p.stem}": p for p in sorted((LIBRARY / package).glob("*.py"))}
    wrong = {}
    for module, path in sources.items():
        others = imported_packages(path) & set(PACKAGES) - {package}
        may = allowed if package is not None or module in COMMANDS else set()
        if others - may:
            wrong[module] = sorted(others - may)
    assert not wrong, f"imports its package's docstring does not allow: {wrong}"


def test_the_packages_import_one_way_the_order_the_data_flows():
    graph = {p: allowed_packages(p) for p in PACKAGES}
    done, path = set(), []

    def visit(package):
        assert package not in path, f"packages import each other in a circle: {' -> '.join([*path, package])}"
        if package in done:
            return
        path.append(package)
        for other in graph[package]:
            visit(other)
        path.pop()
        done.add(package)

    for package in PACKAGES:
        visit(package)


def test_only_the_snakefile_edits_sys_path():
    # Everything else imports ge2e from the editable install; the Snakefile says why it cannot.
    path_edit = re.compile(r"sys\.path\.(insert|append)\(")
    files = [p for folder in ("bench", "docs", "tests", "tools", "workflow") for p in (ROOT / folder).rglob("*.py")]
    files += list((ROOT / "workflow" / "rules").glob("*.smk"))
    assert [str(p.relative_to(ROOT)) for p in files if path_edit.search(p.read_text())] == []
    assert path_edit.search((ROOT / "Snakefile").read_text())


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
