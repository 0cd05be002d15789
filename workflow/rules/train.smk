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
    # train.threads: the cores a job claims, and (train_cores) the most it takes where other jobs leave them idle.
    threads: lambda wc: train_threads(wc)[0]
    resources:
        mem_mb=lambda wc: run_config(wc)["train"]["mem_mb"],
        runtime=lambda wc: run_config(wc)["train"]["runtime"],
        gpu=train_gpus,
        train_cores=lambda wc: train_threads(wc)[1],
    params:
        train=train_params,
        model=lambda wc: model_settings(run_config(wc)),
        features=lambda wc: feature_params(run_config(wc)),
        source=validation_source,
    script:
        "../scripts/train.py"


# A public encoder's weights, read from its installed package (never the network), as a checkpoint of the pipeline:
# what train.<task>.init: resemblyzer starts from (ge2e.train.imported).
rule import_encoder:
    output:
        f"{transfer.IMPORTED}/{{name}}.pt",
    log:
        f"{transfer.IMPORTED}/logs/{{name}}.log",
    benchmark:
        f"{transfer.IMPORTED}/benchmarks/{{name}}.tsv"
    wildcard_constraints:
        name=one_of(IMPORTS),
    conda:
        "../../envs/train.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    script:
        "../scripts/import_encoder.py"


# The shipped encoders (models/, docs/models.md), TI-SV and the TD-SV one of its keyword: of the default variant's
# best.pt of the file's task at every seed of the first schedule, the one with the lowest validation EER; `make model`
# remakes both with config/real-speech.yaml.
rule ship_encoder:
    input:
        shipped_candidates,
    output:
        "models/{shipped}.pt",
    log:
        "results/logs/ship_encoder_{shipped}.log",
    benchmark:
        "results/benchmarks/ship_encoder_{shipped}.tsv"
    wildcard_constraints:
        shipped="|".join(map(re.escape, shipped.stems())),
    conda:
        "../../envs/train.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    script:
        "../scripts/ship_encoder.py"
