"""``ge2e embed`` / ``verify`` / ``eer`` / ``export`` / ``import``: use a trained checkpoint on audio files, or
outside PyTorch; make one of a public encoder.

A checkpoint is self-describing (model size, feature parameters, segment length, and the
calibration and thresholds fitted on the validation speakers), so no config is needed.
"""

import argparse
import sys

import numpy as np
import torch

from ge2e.audio import files as audio
from ge2e.encoder import shipped
from ge2e.encoder.embedding import EncoderEmbedder, MfccEmbedder, load_encoder, window_frames
from ge2e.errors import InputError
from ge2e.evaluate import calibration, speaker_eer
from ge2e.evaluate.protocols import centroid_scores
from ge2e.features import frontend
from ge2e.features.store import FeatureSet
from ge2e.train.imported import IMPORTS

CHANNEL_FIX = "use --channel N (1 = first) or --channel mix"


def channel_option(text):
    """argparse type of ``--channel``: a channel number from 1, or ``mix``."""
    if text == audio.MIX:
        return text
    if text.isdigit() and int(text) >= 1:
        return int(text)
    raise argparse.ArgumentTypeError(f"{text!r} is neither a channel number (1 = first) nor 'mix'")


def file_features(ckpt, paths, channel=None, speakers=None):
    """The FeatureSet of audio files as the checkpoint's encoder sees them: VAD, log-mel with its parameters.

    ``channel`` reduces multi-channel files (``ge2e.audio.files.pick_channel``); without it they are
    refused, all files checked before any is read.
    """
    # Checkpoints written before per-utterance normalisation existed were trained without it.
    params = frontend.FeatureParams(**{"normalise": "none", **ckpt["feature_params"]})
    audio.check_channels({p: audio.probe(p)[2] for p in paths}, channel, "the input", CHANNEL_FIX)
    # Any rate is resampled to the checkpoint's; the first bad file stops the command.
    policy = audio.ReadPolicy(sample_rate=params.sample_rate, resample=True, channel=channel, on_bad_file="fail")
    feats = [frontend.extract(p, params, policy) for p in paths]
    return FeatureSet.from_list(feats, speakers or ["?"] * len(feats), [str(p) for p in paths])


def embed_files(model, ckpt, paths, channel=None):
    """Whole-utterance d-vectors (U, D) of audio files: their features, sliding windows averaged."""
    fs = file_features(ckpt, paths, channel)
    return EncoderEmbedder(model, window_frames(ckpt["train_params"]["frames"])).utterances(fs)


def cmd_embed(args):
    model, ckpt = load_encoder(checkpoint_of(args))
    emb = embed_files(model, ckpt, args.audio, args.channel)
    np.save(args.out, emb)
    print(f"wrote {emb.shape[0]} x {emb.shape[1]} embeddings to {args.out}")


SYNTHETIC = "built-in synthetic"  # in a calibration's source: fitted on the built-in corpus's voices


def cmd_verify(args):
    model, ckpt = load_encoder(checkpoint_of(args))
    stored = {key: ckpt.get(key) for key in (calibration.CHECKPOINT_KEY, calibration.THRESHOLDS_KEY)}
    point = ("eer", None) if args.threshold is not None else args.at
    calibration.decide(stored, 0.0, point, ckpt.get("eer_threshold"))  # refuses an impossible point before embedding
    emb = embed_files(model, ckpt, [*args.enroll, args.test], args.channel)  # (E + 1, D)
    # The same scoring as evaluation, so the stored thresholds and calibration mean the same thing.
    score = float(centroid_scores(emb[None, :-1], emb[-1:])[0, 0])
    llr, threshold, what, accept = calibration.decide(stored, score, point, ckpt.get("eer_threshold"))
    if args.threshold is not None:
        threshold, what, accept = args.threshold, "given", score >= args.threshold
    source = (stored[calibration.CHECKPOINT_KEY] or {}).get("source")
    print(f"score {score:.4f}")
    print(
        f"llr {llr:.4f} (calibrated on the {source})"
        if llr is not None
        else "llr n/a (the checkpoint stores no calibration)"
    )
    on = "llr" if point[0] == "bayes" and args.threshold is None else "score"
    print(f"threshold {on} >= {threshold:.4f} ({what})")
    print("accept" if accept else "reject")
    if source and SYNTHETIC in source:
        print(
            "ge2e verify: warning: this calibration and these thresholds come from the built-in synthetic corpus's "
            "voices; they do not carry over to real recordings",
            file=sys.stderr,
        )


def cmd_export(args):
    from ge2e import export  # here: the exporters load only for this command

    for path in export.export(args.checkpoint, args.out).values():
        print(f"wrote {path}")


def cmd_import(args):
    from ge2e.train import imported  # here: only this command reads another package's weights

    imported.write(args.out, args.name)
    print(f"wrote {args.out}: {args.name}'s encoder as a ge2e checkpoint (docs/models.md)")


def cmd_eer(args):
    model, ckpt = load_encoder(checkpoint_of(args))
    encoder = EncoderEmbedder(model, window_frames(ckpt["train_params"]["frames"]))
    for root in args.folders:
        speakers, paths = speaker_eer.speaker_files(root, args.layout)
        fs = file_features(ckpt, paths, args.channel, speakers)
        found = {
            "encoder": speaker_eer.speaker_eer(encoder.utterances(fs), speakers),
            "mfcc": speaker_eer.speaker_eer(MfccEmbedder().fit(fs).utterances(fs), speakers),
        }
        trials = found["encoder"]
        print(
            f"{root}: EER {trials['eer']:.4f} (MFCC mean+std {found['mfcc']['eer']:.4f}) on {trials['speakers']} "
            f"speakers, {trials['enrolled']} enrolled; {trials['target_trials']} target and "
            f"{trials['nontarget_trials']} non-target trials"
        )


def point_option(text):
    """argparse type of ``--at``."""
    try:
        return calibration.operating_point(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_channel(parser):
    parser.add_argument(
        "--channel",
        type=channel_option,
        help="multi-channel audio: the channel to read (1 = first) or 'mix' (their mean); "
        "without it a multi-channel file is an error. Mono files are read as they are",
    )


def add_checkpoint(parser):
    parser.add_argument(
        "--checkpoint",
        help=f"a final.pt or best.pt from the pipeline (default: the shipped encoder, {shipped.TISV}, docs/models.md)",
    )


def checkpoint_of(args):
    """The checkpoint a command uses: --checkpoint, else the shipped encoder."""
    return args.checkpoint or shipped.default_checkpoint()


def main(argv=None):
    parser = argparse.ArgumentParser(prog="ge2e", description="GE2E speaker embeddings and verification")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("embed", help="write d-vectors of audio files (wav, flac, SPHERE) to a .npy file")
    add_checkpoint(p)
    p.add_argument("audio", nargs="+")
    p.add_argument("--out", required=True, help="output .npy, shape (files, embedding size)")
    add_channel(p)
    p.set_defaults(func=cmd_embed)
    p = sub.add_parser("verify", help="score a test file against a speaker enrolled from one or more files")
    add_checkpoint(p)
    p.add_argument("--enroll", nargs="+", required=True, help="the claimed speaker's audio")
    p.add_argument("--test", required=True, help="the audio to verify")
    p.add_argument(
        "--at",
        type=point_option,
        default=("eer", None),
        help="the operating point: eer (default: the threshold at the validation speakers' EER), far1 or far0.1 "
        "(the threshold giving 1 %% or 0.1 %% false accepts on them), or bayes:<p> (accept when the calibrated "
        "LLR is at least the Bayes threshold for a target prior p, e.g. bayes:0.01)",
    )
    p.add_argument("--threshold", type=float, help="accept when the raw score is at least this (overrides --at)")
    add_channel(p)
    p.set_defaults(func=cmd_verify)
    p = sub.add_parser(
        "export",
        help="write the encoder (log-mel frames to d-vector, sliding windows included) as TorchScript and ONNX, "
        "with its feature parameters and calibration in a JSON beside them",
    )
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--out", required=True, help="the folder to write encoder.pt, encoder.onnx and encoder.json to")
    p.set_defaults(func=cmd_export)
    p = sub.add_parser(
        "eer",
        help="the EER on folders of speakers it never heard, beside the MFCC baseline: each speaker enrolled on "
        "the first half of its sorted files, every other file scored against every enrolled speaker",
    )
    add_checkpoint(p)
    p.add_argument("folders", nargs="+", help="folders of speakers' recordings")
    p.add_argument(
        "--layout",
        choices=speaker_eer.LAYOUTS,
        default="folder",
        help="folder: <folder>/<speaker>/**/<file> (default); prefix: <folder>/<speaker>_<anything>.<ext>",
    )
    add_channel(p)
    p.set_defaults(func=cmd_eer)
    p = sub.add_parser(
        "import",
        help="write a public encoder's weights, read from its installed package, as a ge2e checkpoint (for "
        "embed/verify/eer, or train.<task>.init to fine-tune it)",
    )
    p.add_argument("name", choices=IMPORTS)
    p.add_argument("--out", required=True, help="the checkpoint file to write")
    p.set_defaults(func=cmd_import)
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
