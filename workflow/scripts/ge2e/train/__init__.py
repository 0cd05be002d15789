"""GE2E training: the loss, and the loop that writes the checkpoints.

- ``loss``: ``GE2ELoss`` (softmax and contrast);
- ``loss_reference``: the loss as loops, what the tests and benchmarks check ``GE2ELoss`` against;
- ``trainer``: the training loop, schedules, validation, best-checkpoint choice;
- ``optimisers``: the optimisers a schedule may name (SGD, Adam);
- ``checkpoints``: the self-describing checkpoint, saving it byte-stably, the run's fingerprint, the resume file;
- ``transfer``: starting from a trained encoder's checkpoint, checked against the run;
- ``imported``: encoders trained elsewhere as checkpoints of the pipeline (Resemblyzer's, ``ge2e import``);
- ``multireader``: a second data source's GE2E loss in every step (MultiReader);
- ``cores``: training threads that follow the cores left free, and matrix products the same at any thread count.

May import: ge2e.features, ge2e.encoder, ge2e.evaluate (the validation EER) and the shared modules.
"""
