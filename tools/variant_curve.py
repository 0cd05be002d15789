"""EER against a numeric setting of an experiment's variants, from its per-seed table.

    python tools/variant_curve.py results/eer_per_seed.tsv docs/figures/real_speech_speakers.png \\
        --points default=183 speakers_100=100 speakers_50=50 --xlabel "real training speakers" \\
        --task tisv --schedule step --checkpoint best --set test

Each seed's EER is a dot, the mean over seeds a line (``ge2e.results.plots.variant_curve``). docs/results.md's plot
of EER over the number of real training speakers is made so, from config/real-speech-ablation.yaml's run.
"""

import argparse
import sys

from ge2e.results.plots import variant_curve
from ge2e.results.table import read_per_seed
from ge2e.systems import TASK_NAMES


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("per_seed", help="results/eer_per_seed.tsv of a run with several seeds")
    parser.add_argument("out", help="PNG to write")
    parser.add_argument("--points", nargs="+", required=True, metavar="VARIANT=X", help="each variant's x value")
    parser.add_argument("--xlabel", required=True)
    parser.add_argument("--task", default="tisv", choices=sorted(TASK_NAMES))
    parser.add_argument("--schedule", default="step")
    parser.add_argument("--checkpoint", default="best")
    parser.add_argument("--set", default="test", help="the evaluation set's name in the table (test, or external)")
    args = parser.parse_args(argv)
    points = []
    for item in args.points:
        variant, _, x = item.partition("=")
        rows = read_per_seed(
            args.per_seed, set=args.set, task=args.task, variant=variant, schedule=args.schedule,
            checkpoint=args.checkpoint,
        )  # fmt: skip
        if not rows:
            about = f"{args.task}, {args.schedule}, {args.checkpoint}, {args.set}"
            sys.exit(f"{args.per_seed}: no rows of variant {variant} ({about})")
        points.append((float(x), [float(row["eer_full"]) for row in rows]))
    title = f"{TASK_NAMES[args.task]}, {args.schedule} lr, {args.checkpoint} checkpoint, {args.set}: mean over seeds"
    variant_curve(points, args.out, args.xlabel, title)


if __name__ == "__main__":
    main()
