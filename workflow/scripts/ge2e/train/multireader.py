"""MultiReader (Wan et al. 2018, section 3.3): a second data source's GE2E loss added to every training step.

The step's loss is L(own batch) + weight x L'(source batch): one encoder, two GE2E losses. The source's loss has
a w and b of its own, since they scale the similarities of one source's speakers (a keyword's short utterances and
long read sentences give cosines of other spreads); the optimiser updates both, as it does the task's own.

The source's batches are N speakers x M segments, N, M and the frame range the training task's own, its speakers
drawn anew at every step (N distinct ones) by a generator of its own, seeded from the run's seed: the task's own
sampler draws exactly what it draws without MultiReader, and an epoch is still one pass over the task's speakers.
"""

import dataclasses

import numpy as np

from ge2e.features.batches import SpeakerBatches
from ge2e.train.loss import GE2ELoss

STREAM = 2  # the source generator's stream beside the run's seed (the task's own sampler is stream 1)


@dataclasses.dataclass(frozen=True)
class Source:
    """A second source of training batches: ``name`` (the task it is, for messages and checkpoints), its training
    ``train_set`` (a FeatureSet) and the ``weight`` of its loss. A weight of 0 is no source at all."""

    name: str
    train_set: object
    weight: float


class MultiReader:
    """The source's sampler, generator and GE2E loss for one training run.

    Args:
        source: a :class:`Source` (weight > 0).
        params: the run's ``ge2e.train.trainer.TrainParams`` (N, M, frames, loss method, seed).
    """

    def __init__(self, source, params, device="cpu"):
        if not source.weight > 0:
            raise ValueError("a MultiReader source needs a weight above 0 (weight 0 is no source)")
        self.name, self.weight = source.name, float(source.weight)
        self.frames = params.frames
        self.sampler = SpeakerBatches(
            source.train_set,
            params.n_speakers,
            params.n_utterances,
            params.frames[1],
            source=f"MultiReader source {source.name}: its training speakers",
        )
        self.rng = np.random.default_rng([params.seed, STREAM])
        self.loss_fn = GE2ELoss(method=params.loss_method).to(device)

    def batch(self):
        """One (N, M, T, F) batch of the source: N distinct speakers, then T in the frame range, then the
        utterances and crops (``ge2e.features.batches.SpeakerBatches.batch``)."""
        rows = self.rng.choice(len(self.sampler.speakers), self.sampler.n, replace=False)
        frames = int(self.rng.integers(self.frames[0], self.frames[1] + 1))
        return self.sampler.batch(self.rng, rows, frames)

    def record(self):
        """What checkpoints keep of it (their ``multireader``)."""
        return {
            "source": self.name,
            "weight": self.weight,
            "w": float(self.loss_fn.w.detach()),
            "b": float(self.loss_fn.b.detach()),
        }

    def state(self):
        """What a resume file keeps of it: its loss's state and its generator's."""
        return {"loss_fn": self.loss_fn.state_dict(), "rng": self.rng.bit_generator.state}

    def restore(self, state):
        self.loss_fn.load_state_dict(state["loss_fn"])
        self.rng.bit_generator.state = state["rng"]
