"""``ge2e embed`` / ``ge2e verify``: use a trained checkpoint on audio files.

A checkpoint is self-describing (model size, feature parameters, segment length and
the EER threshold found on the validation speakers), so no config is needed.
"""

import argparse
import sys

import numpy as np
import torch

from ge2e.audio import files as audio
from ge2e.encoder.embedding import EncoderEmbedder, load_encoder, window_frames
from ge2e.errors import InputError
from ge2e.evaluate.protocols import centroid_scores
from ge2e.features import frontend
from ge2e.features.store import FeatureSet

CHANNEL_FIX = "use --channel N (1 = first) or --channel mix"


def channel_option(text):
    """argparse type of ``--channel``: a channel number from 1, or ``mix``."""
    if text == audio.MIX:
        return text
    if text.isdigit() and int(text) >= 1:
        return int(text)
    raise argparse.ArgumentTypeError(f"{text!r} is neither a channel number (1 = first) nor 'mix'")


def embed_files(model, ckpt, paths, channel=None):
    """Whole-utterance d-vectors (U, D) of audio files: VAD, log-mel, sliding windows averaged.

    ``channel`` reduces multi-channel files (``ge2e.audio.files.pick_channel``); without it they are
    refused, all files checked before any is embedded.
    """
    # Checkpoints written before per-utterance normalisation existed were trained without it.
    params = frontend.FeatureParams(**{"normalise": "none", **ckpt["feature_params"]})
    audio.check_channels({p: audio.probe(p)[2] for p in paths}, channel, "the input", CHANNEL_FIX)
    # Any rate is resampled to the checkpoint's; the first bad file stops the command.
    policy = audio.ReadPolicy(sample_rate=params.sample_rate, resample=True, channel=channel, on_bad_file="fail")
    feats = [frontend.extract(p, params, policy) for p in paths]
    fs = FeatureSet.from_list(feats, ["?"] * len(feats), [str(p) for p in paths])
    return EncoderEmbedder(model, window_frames(ckpt["train_params"]["frames"])).utterances(fs)


def cmd_embed(args):
    model, ckpt = load_encoder(args.checkpoint)
    emb = embed_files(model, ckpt, args.audio, args.channel)
    np.save(args.out, emb)
    print(f"wrote {emb.shape[0]} x {emb.shape[1]} embeddings to {args.out}")


def cmd_verify(args):
    model, ckpt = load_encoder(args.checkpoint)
    emb = embed_files(model, ckpt, [*args.enroll, args.test], args.channel)  # (E + 1, D)
    # The same scoring as evaluation, so the stored EER threshold means the same thing.
    score = float(centroid_scores(emb[None, :-1], emb[-1:])[0, 0])
    threshold = args.threshold if args.threshold is not None else ckpt["eer_threshold"]
    decision = "accept" if score >= threshold else "reject"
    print(f"score {score:.4f}\nthreshold {threshold:.4f}\n{decision}")


def add_channel(parser):
    parser.add_argument(
        "--channel",
        type=channel_option,
        help="multi-channel audio: the channel to read (1 = first) or 'mix' (their mean); "
        "without it a multi-channel file is an error. Mono files are read as they are",
    )


def main(argv=None):
    parser = argparse.ArgumentParser(prog="ge2e", description="GE2E speaker embeddings and verification")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("embed", help="write d-vectors of audio files (wav, flac, SPHERE) to a .npy file")
    p.add_argument("--checkpoint", required=True, help="a final.pt or best.pt from the pipeline")
    p.add_argument("audio", nargs="+")
    p.add_argument("--out", required=True, help="output .npy, shape (files, embedding size)")
    add_channel(p)
    p.set_defaults(func=cmd_embed)
    p = sub.add_parser("verify", help="score a test file against a speaker enrolled from one or more files")
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--enroll", nargs="+", required=True, help="the claimed speaker's audio")
    p.add_argument("--test", required=True, help="the audio to verify")
    p.add_argument(
        "--threshold", type=float, help="accept at or above (default: the checkpoint's validation EER threshold)"
    )
    add_channel(p)
    p.set_defaults(func=cmd_verify)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    try:
        args.func(args)
    except InputError as exc:
        print(f"ge2e {args.command}: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
