# VAD + log-mel per shard (no per-utterance jobs), and training-set augmentation per task.


rule features:
    input:
        manifest="results/{task}/manifest.tsv",
    output:
        "results/{task}/features/{split}/{shard}.npz",
    log:
        "results/logs/features/{task}_{split}_{shard}.log",
    benchmark:
        "results/benchmarks/features/{task}_{split}_{shard}.tsv"
    conda:
        "../../envs/features.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=60,
    params:
        features=canonical(config["features"]["params"]),
        split=lambda wc: wc.split,
        shard=lambda wc: int(wc.shard),
        shards=len(SHARDS),
        read_policy=read_policy(),
    script:
        "../scripts/features.py"


# An external evaluation set is small and shared by both tasks: one shard, features made once.
rule features_external:
    input:
        manifest="results/external/{evalset}/manifest.tsv",
    output:
        "results/external/{evalset}/features.npz",
    log:
        "results/logs/features/external_{evalset}.log",
    benchmark:
        "results/benchmarks/features/external_{evalset}.tsv"
    conda:
        "../../envs/features.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=60,
    params:
        features=canonical(config["features"]["params"]),
        split="test",
        shard=0,
        shards=1,
        read_policy=read_policy(),
    script:
        "../scripts/features.py"


rule augment:
    input:
        manifest="results/{task}/manifest.tsv",
    output:
        "results/{task}/features/train_aug/{shard}.npz",
    log:
        "results/logs/augment/{task}_{shard}.log",
    benchmark:
        "results/benchmarks/augment/{task}_{shard}.tsv"
    conda:
        "../../envs/features.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=60,
    params:
        features=canonical(config["features"]["params"]),
        augment=lambda wc: canonical(config["augment"][wc.task]),
        shards=len(SHARDS),
        read_policy=read_policy(),
        seed=lambda wc: task_seed("augment", wc.task),
    script:
        "../scripts/augment.py"
