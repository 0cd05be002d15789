"""Encoders trained elsewhere, as checkpoints of this pipeline: Resemblyzer's public GE2E encoder.

``resemblyzer`` (Apache-2.0, pinned in requirements-weights.txt) ships the weights of a 3-layer LSTM GE2E
encoder trained on about 8,000 speakers (LibriSpeech train-other-500, VoxCeleb 1 and 2) inside its package, as
``resemblyzer/pretrained.pt``. :func:`import_checkpoint` reads that file from the installed package (never from
the network) and writes a checkpoint ``ge2e embed/verify/eer`` and ``train.<task>.init`` take like any other:
the encoder as ``model.arch: resemblyzer`` (``ge2e.encoder.arch``), Resemblyzer's front end as feature settings
(:data:`RESEMBLYZER_FEATURES`), its GE2E w and b, and where it came from (``imported``). A run that starts from it
must have these feature and model settings (config/resemblyzer.yaml has them).

Torch is imported only where a checkpoint is made, so the run planner reads the settings without it.
"""

import importlib.metadata
from pathlib import Path

from ge2e.errors import InputError
from ge2e.evaluate import calibration

IMPORTS = ("resemblyzer",)  # what train.<task>.init and ``ge2e import`` accept by name
PACKAGE = "resemblyzer"
WEIGHTS = "pretrained.pt"
LICENCE = "Apache-2.0"
# Resemblyzer's hparams.py: 40 mels of 25 ms windows every 10 ms at 16 kHz (librosa's melspectrogram: n_fft 400,
# its STFT and filters, hence native arithmetic), the level raised to -30 dBFS, long silences cut by WebRTC's VAD.
RESEMBLYZER_FEATURES = {
    "sample_rate": 16000,
    "n_mels": 40,
    "window_ms": 25.0,
    "hop_ms": 10.0,
    "n_fft": 400,
    "top_db": 30.0,  # unused by the webrtc VAD; the schema's default, so a config need not set it
    "normalise": "none",
    "arithmetic": "native",
    "vad": "webrtc",
    "level_dbfs": -30.0,
}
RESEMBLYZER_MODEL = {"n_mels": 40, "hidden": 256, "layers": 3, "proj": 256, "arch": "resemblyzer"}
PARTIAL_FRAMES = 160  # Resemblyzer's partial utterances (1.6 s): its training segments and embedding windows


def weights_file():
    """The installed package's weights file; an InputError saying how to install it where it is missing."""
    try:
        files = importlib.metadata.files(PACKAGE) or []
    except importlib.metadata.PackageNotFoundError:
        files = []
    for entry in files:
        if entry.name == WEIGHTS and entry.parent.name == PACKAGE:
            path = Path(entry.locate())
            if path.is_file():
                return path
    raise InputError(
        f"the {PACKAGE} package with its {WEIGHTS} is not installed; install the pinned version "
        f"(pip install --no-deps -r requirements-weights.txt, or make venv) to import its encoder"
    )


def import_checkpoint(name=PACKAGE):
    """The checkpoint dict of the imported encoder ``name`` (one of IMPORTS), its weights read from the installed
    package without running code from the file."""
    if name not in IMPORTS:
        raise InputError(f"no encoder to import named {name!r}; the pipeline imports {', '.join(IMPORTS)}")
    import torch

    from ge2e.encoder.embedding import load_checkpoint_file
    from ge2e.encoder.model import SpeakerEncoder
    from ge2e.train.transfer import file_digest

    path = weights_file()
    state = load_checkpoint_file(path)["model_state"]
    model = SpeakerEncoder(**RESEMBLYZER_MODEL)
    try:
        model.load_state_dict({key: value for key, value in state.items() if not key.startswith("similarity_")})
    except RuntimeError as exc:
        raise InputError(f"{path}: not the encoder this pipeline imports ({str(exc).splitlines()[0]})") from None
    return {
        calibration.CHECKPOINT_KEY: None,  # no validation speakers here: ge2e verify needs --threshold
        calibration.THRESHOLDS_KEY: None,
        "model": {key: value.detach().to("cpu", dtype=torch.float32) for key, value in model.state_dict().items()},
        "model_config": dict(model.config),
        "w": float(state["similarity_weight"]),
        "b": float(state["similarity_bias"]),
        "epoch": 0,
        "step": 0,
        "val_eer": None,
        "eer_threshold": None,
        "train_params": {"frames": [PARTIAL_FRAMES, PARTIAL_FRAMES]},
        "feature_params": dict(RESEMBLYZER_FEATURES),
        "imported": {
            "from": name,
            "version": importlib.metadata.version(PACKAGE),
            "file": f"{PACKAGE}/{WEIGHTS}",
            "sha256": file_digest(path),
            "licence": LICENCE,
        },
    }


def write(path, name=PACKAGE):
    """Write the imported encoder ``name``'s checkpoint to ``path`` (atomically, the same bytes every time)."""
    from ge2e.train.checkpoints import save

    save(import_checkpoint(name), path)
