"""Features and augmentation give the same bits on any x86-64 CPU (docs/reproducibility.md).

The tiny config's features and augment stages (both tasks, every split and shard) run on small
corpora written from integers alone (tests/integer_corpus.py: no speech tool, whose output
depends on its Debian version, and no floating point), once as this machine runs them and once
as a machine with narrower vector units would: numpy's dispatched SIMD kernels switched off
(NPY_DISABLE_CPU_FEATURES, naming every dispatch target this CPU has), OpenBLAS on another CPU's
kernels (OPENBLAS_CORETYPE), glibc's libm on its non-FMA builds (GLIBC_TUNABLES) and numba's
compiled kernels (ge2e.features.kernels) generated for a generic x86-64 (NUMBA_CPU_NAME). The arrays
must be identical, and their checksum must be ARRAYS_SHA256 below, so CI on any machine catches a
stage whose output depends on the CPU. A variant of the experiment grid (``folders``) augments TD-SV
from folders of noise and impulse-response recordings written from integers too
(``augment.tdsv.noise_roots``, ``rir_roots``), checked the same way against FOLDERS_SHA256.
"""

import hashlib
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
from once import made_once
from workflow_run import copy_workflow, snakemake

# The checksum of every array the tiny config's features and augment stages write from the integer
# corpora (see ``arrays_sha256``), with the pinned numpy, scipy and soundfile. A deliberate change of
# feature or augmentation arithmetic, or an upgrade of those, changes it: check the new value on a
# second machine, then update it here.
ARRAYS_SHA256 = "6242b6eb6a59019a11635fc45d3ca355f9943bf19f20a34c9c53085013337629"
TARGETS = [
    f"results/{task}/features/{split}/{shard}.npz"
    for task in ("tdsv", "tisv")
    for split in ("train", "val", "test", "train_aug")
    for shard in (0, 1)
]
# The variant's TD-SV augmented shards: noise and rooms drawn from folders as well as generated (shares below 1).
FOLDERS_SHA256 = "1b5dc6a48fb153161ee297423334f10cbe60ff45f14f98fb5a24db37bd0b2c4d"
FOLDER_TARGETS = [f"results/variants/folders/tdsv/features/train_aug/{shard}.npz" for shard in (0, 1)]
FOLDERS_VARIANT = (
    "folders: {{augment: {{tdsv: {{noise_roots: [{noise}], noise_roots_share: 0.7, "
    "rir_roots: [{rirs}], rir_roots_share: 0.7}}}}}}"
)
# A variant in librosa's and numpy's own arithmetic: close to the portable shards, not their bits.
NATIVE_VARIANT = "native: {features: {arithmetic: native}}"
NATIVE_TARGETS = [
    f"results/variants/native/{task}/features/{split}/0.npz" for task in ("tdsv", "tisv") for split in ("train", "test")
]
# glibc's libm picks FMA builds of exp/log/sin/cos/pow at load time; these names switch that off.
NO_FMA_LIBM = "glibc.cpu.hwcaps=-AVX512F,-AVX512VL,-AVX512BW,-AVX512DQ,-AVX512CD,-AVX2,-FMA,-FMA4,-AVX"


def narrower_cpu():
    """Environment variables that make this machine compute as one with narrower vector units."""
    from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__

    dispatched = [name for name in __cpu_dispatch__ if __cpu_features__.get(name)]
    return {
        "NPY_DISABLE_CPU_FEATURES": " ".join(dispatched),  # numpy falls back to its baseline kernels
        "OPENBLAS_CORETYPE": "Haswell" if __cpu_features__.get("AVX512F") else "Nehalem",
        "GLIBC_TUNABLES": NO_FMA_LIBM,
        "NUMBA_CPU_NAME": "generic",  # numba compiles for SSE2 alone: no AVX, no FMA unit to contract into
    }


def arrays_sha256(root, paths):
    """SHA-256 of the arrays in the ``.npz`` files ``paths`` (relative to ``root``), not of the files (a zip
    stores the time it was written): for each path in order, for each array name sorted, the path, the
    name, the dtype (``dtype.str``, byte order included), the shape and the C-order bytes."""
    digest = hashlib.sha256()
    for path in paths:
        with np.load(root / path) as z:
            for name in sorted(z.files):
                a = np.ascontiguousarray(z[name])
                digest.update(f"{path}\0{name}\0{a.dtype.str}\0{a.shape}\0".encode())
                digest.update(a.tobytes())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """{"here": workdir, "narrower": workdir}: the same manifests, features and augment run in each. Made once for the
    session (once.made_once): its tests only read them."""
    import integer_corpus

    def make(tmp):
        timit = integer_corpus.write_timit(tmp / "TIMIT", train_speakers=8)
        snips = integer_corpus.write_snips(tmp / "snips")
        (tmp / "here").mkdir()
        here = copy_workflow(tmp / "here")
        noise, rirs = integer_corpus.write_noise(tmp / "noise"), integer_corpus.write_rirs(tmp / "rirs")
        (here / "config" / "integer.yaml").write_text(
            f"corpus: {{timit_root: {timit}, snips_root: {snips}, timit_val_fraction: 0.25}}\n"
            + f"experiments: {{variants: {{{FOLDERS_VARIANT.format(noise=', '.join(map(str, noise)), rirs=rirs)}, "
            + f"{NATIVE_VARIANT}}}}}\n"
        )
        configs = ["config/tiny.yaml", "config/integer.yaml"]
        proc = snakemake(here, *TARGETS, *FOLDER_TARGETS, *NATIVE_TARGETS, config=configs)
        assert proc.returncode == 0, proc.stderr[-4000:]
        narrower = tmp / "narrower"
        shutil.copytree(here, narrower)
        proc = snakemake(
            narrower, *TARGETS, *FOLDER_TARGETS, "--forcerun", "features", "augment", config=configs, env=narrower_cpu()
        )
        assert proc.returncode == 0, proc.stderr[-4000:]

    tmp = made_once(tmp_path_factory, "reproducible", make)[0]
    return {"here": tmp / "here", "narrower": tmp / "narrower"}


def test_the_narrower_cpu_is_used(runs):
    """numpy and numba obey the variables (numpy stops at an unknown name; numba's code then has no AVX
    register), and every output was made again under them."""
    script = "from numpy._core._multiarray_umath import __cpu_dispatch__ as d, __cpu_features__ as f\n"
    script += "print([n for n in d if f[n]])\n"
    script += "import numba, numpy as np\n"
    script += "twice = numba.njit(lambda x: x * 2.0 + 1.0)\n"
    script += "twice(np.ones(64))\n"
    script += "print(any(r in a for a in twice.inspect_asm().values() for r in ('ymm', 'zmm')))"
    proc = subprocess.run(
        [sys.executable, "-c", script], env={**os.environ, **narrower_cpu()}, capture_output=True, text=True
    )
    assert proc.returncode == 0 and proc.stdout.split() == ["[]", "False"], proc.stdout + proc.stderr
    for target in TARGETS + FOLDER_TARGETS:
        assert os.path.getmtime(runs["narrower"] / target) > os.path.getmtime(runs["here"] / target), target


@pytest.mark.parametrize("target", TARGETS + FOLDER_TARGETS)
def test_features_and_augmentation_do_not_depend_on_the_cpu(runs, target):
    with np.load(runs["here"] / target) as a, np.load(runs["narrower"] / target) as b:
        assert sorted(a.files) == sorted(b.files)
        for name in a.files:
            assert a[name].dtype == b[name].dtype and a[name].shape == b[name].shape, name
            assert a[name].tobytes() == b[name].tobytes(), f"{target}:{name} differs on a narrower CPU"


@pytest.mark.parametrize(
    ("targets", "stored", "name", "what"),
    [
        (TARGETS, ARRAYS_SHA256, "ARRAYS_SHA256", "features/augmentation arrays"),
        (FOLDER_TARGETS, FOLDERS_SHA256, "FOLDERS_SHA256", "TD-SV shards augmented from folders"),
    ],
)
def test_features_and_augmentation_have_the_stored_checksum(runs, targets, stored, name, what):
    got = arrays_sha256(runs["here"], targets)
    assert got == stored, (
        f"the tiny config's {what} now hash to {got}: a CPU-dependent stage, a deliberate change of their "
        f"arithmetic or a numpy/scipy/soundfile upgrade (then check the new value on a second machine and update "
        f"{name})"
    )


@pytest.mark.parametrize("target", NATIVE_TARGETS)
def test_native_arithmetic_stays_within_1e5_of_portable(runs, target):
    """features.arithmetic: native (librosa's STFT, BLAS, numpy's log) gives the same frames and labels as
    portable and log-mels within 1e-5 of them."""
    portable = target.replace("variants/native/", "")
    with np.load(runs["here"] / target) as a, np.load(runs["here"] / portable) as b:
        for name in ("lengths", "speakers", "utterances"):
            assert np.array_equal(a[name], b[name]), name
        assert a["features"].shape == b["features"].shape and np.abs(a["features"] - b["features"]).max() <= 1e-5
    # float64 paths that differ by about 1e-14 often round to the same float32: the logs say which ran.
    task, split = target.split("/")[3], target.split("/")[-2]
    for root, arithmetic in (("results/variants/native", "native"), ("results", "portable")):
        log = (runs["here"] / root / "logs" / "features" / f"{task}_{split}_0.log").read_text()
        assert f"{arithmetic} arithmetic" in log, log


def test_the_folders_variant_draws_from_every_source(runs):
    """Its copies mix recorded and generated noise and rooms, and babble; every file was read where it was drawn."""
    names = set()
    for target in FOLDER_TARGETS:
        with np.load(runs["here"] / target) as z:
            names |= {str(u).split("+")[-1].rstrip("0123456789") for u in z["utterances"] if "+" in str(u)}
    assert {"babble", "noise", "noisefile", "reverb", "reverbfile"} <= names
    log = (runs["here"] / "results/variants/folders/logs/augment/tdsv_0.log").read_text()
    assert "noise_roots: " in log and "rir_roots: " in log and "Traceback" not in log
