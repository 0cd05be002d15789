# GE2E training per task, learning-rate schedule, variant and seed: one job per run of the experiment grid
# (ge2e.plan.grid), under the root of its variant and seed (results/ for the default run).


rule train:
    input:
        train=train_shards,
        val=val_shards,
        # train.<task>.init: the checkpoint it starts from; train.<task>.multireader: the second source's training set.
        start=train_start,
        multireader=multireader_shards,
    output:
        init="{root}/{task}/{schedule}/init.pt",
        final="{root}/{task}/{schedule}/final.pt",
        best="{root}/{task}/{schedule}/best.pt",
        loss="{root}/{task}/{schedule}/loss.tsv",
    log:
        "{root}/logs/train/{task}_{schedule}.log",
    benchmark:
        "{root}/benchmarks/train/{task}_{schedule}.tsv"
    wildcard_constraints:
        root=one_of(GRID.roots_of("train")),
    conda:
        "../../envs/train.yaml"
    threads: lambda wc: run_config(wc)["train"]["threads"]
    resources:
        mem_mb=lambda wc: run_config(wc)["train"]["mem_mb"],
        runtime=lambda wc: run_config(wc)["train"]["runtime"],
        gpu=train_gpus,
    params:
        train=train_params,
        model=lambda wc: canonical(run_config(wc)["model"]),
        features=lambda wc: feature_params(run_config(wc)),
        source=validation_source,
    script:
        "../scripts/train.py"
