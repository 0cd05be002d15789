# GE2E training per task and learning-rate schedule.


rule train:
    input:
        train=train_shards,
        val=lambda wc: feature_shards(wc.task, "val"),
    output:
        init="results/{task}/{schedule}/init.pt",
        final="results/{task}/{schedule}/final.pt",
        best="results/{task}/{schedule}/best.pt",
        loss="results/{task}/{schedule}/loss.tsv",
    log:
        "results/logs/train/{task}_{schedule}.log",
    benchmark:
        "results/benchmarks/train/{task}_{schedule}.tsv"
    conda:
        "../../envs/train.yaml"
    threads: config["train"]["threads"]
    resources:
        mem_mb=config["train"]["mem_mb"],
        runtime=config["train"]["runtime"],
        gpu=train_gpus(),
    params:
        train=train_params,
        model=canonical(config["model"]),
        features=canonical(config["features"]["params"]),
    script:
        "../scripts/train.py"
