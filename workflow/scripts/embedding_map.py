"""Rule embedding_map: test utterances embedded by the encoder training starts from (untrained, or the checkpoint
train.<task>.init names) and the trained encoder, t-SNE."""

import torch

from ge2e.encoder.embedding import EncoderEmbedder, load_encoder
from ge2e.features.store import FeatureSet
from ge2e.results import plots
from ge2e.rule import run


def main(smk):
    torch.set_num_threads(smk.threads)
    test = FeatureSet.load(smk.input.test)
    panels = []
    for title, path in ((smk.params.start_label, smk.input.untrained), (smk.params.trained_label, smk.input.trained)):
        model, _ = load_encoder(path)
        panels.append((title, EncoderEmbedder(model, smk.params.frames).utterances(test)))
    plots.embedding_map(panels, test.speakers, smk.output[0], smk.wildcards.task, smk.params.seed)


run(main, snakemake)  # noqa: F821
