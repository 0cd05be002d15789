"""GE2E speaker verification: the library behind the Snakemake pipeline, one package per stage.

In the order the data flows (docs/layout.md draws it):

- ``fetch``: downloading corpora, noise collections and trial lists;
- ``builtin``: the synthetic corpus, written in the TIMIT and Snips layouts;
- ``corpus``: reading a corpus in its layout into the per-task manifest;
- ``features``: log-mels with VAD, their shard store and the N x M batches drawn from it, augmentation;
- ``encoder``: the LSTM speaker encoder, its checkpoints, embedding utterances (and the MFCC baseline);
- ``train``: the GE2E loss and the training loop, and encoders imported from elsewhere;
- ``evaluate``: trials, both protocols, published trial lists with AS-norm, EER and minDCF, calibration;
- ``results``: the EER table, statistics over seeds, the ablation, the figures and pages;
- ``plan``: the run planner the Snakefile asks: the experiment grid, start-up checks, targets and rule
  parameters;

and beside them ``audio``, reading and writing audio files, which most stages share. The small shared
modules at the top: ``errors`` (InputError), ``atomic`` (atomic outputs), ``seeds`` (per-job seeds),
``schema`` (the config schema's defaults), ``systems`` (the names of tasks, corpora and systems),
``segments`` (fixed-length segments of utterances stored end to end), ``portable`` (CPU-independent
arithmetic), ``rule`` (running a rule script), ``cli`` (the ``ge2e`` command) and ``export`` (the encoder
as TorchScript and ONNX, for ``ge2e export``).
Rule scripts in ``workflow/scripts/`` are thin: they read ``snakemake.input/params`` and call into here.

May import: the shared modules import each other only; ``cli``, the command, and ``export`` import the
stages they run: ge2e.audio, ge2e.features, ge2e.encoder and ge2e.evaluate, and ``cli`` ge2e.train (``ge2e
import`` writes a checkpoint).
"""

__version__ = "0.1.0"
