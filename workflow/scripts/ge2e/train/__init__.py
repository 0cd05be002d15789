"""GE2E training: the loss, and the loop that writes the checkpoints.

- ``loss``: ``GE2ELoss`` (softmax and contrast);
- ``loss_reference``: the loss as loops, what the tests and benchmarks check ``GE2ELoss`` against;
- ``trainer``: the training loop, schedules, validation, checkpoints and resume.

May import: ge2e.features, ge2e.encoder, ge2e.evaluate (the validation EER) and the shared modules.
"""
