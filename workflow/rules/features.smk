# VAD + log-mel per shard (no per-utterance jobs), and training-set augmentation per task.


# Under each root that owns features settings (ge2e.plan.grid.Grid): results/ for the run's own, results/
# variants/<name>/ for a variant that changes features (or, for the task whose corpus it changes, the corpus), made
# from the manifest of that variant's corpus.
rule features:
    input:
        manifest=task_manifest,
    output:
        "{root}/{task}/features/{split}/{shard}.npz",
    log:
        "{root}/logs/features/{task}_{split}_{shard}.log",
    benchmark:
        "{root}/benchmarks/features/{task}_{split}_{shard}.tsv"
    wildcard_constraints:
        root=one_of(GRID.roots_of("features")),
    conda:
        "../../envs/features.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=60,
    params:
        features=lambda wc: feature_params(config_at(wc.root)),
        split=lambda wc: wc.split,
        shard=lambda wc: int(wc.shard),
        shards=lambda wc: config_at(wc.root)["features"]["shards"],
        read_policy=read_policy(),
    script:
        "../scripts/features.py"


# An external evaluation set is small and shared by both tasks: one shard, features made once.
rule features_external:
    input:
        manifest="results/external/{evalset}/manifest.tsv",
    output:
        "{root}/external/{evalset}/features.npz",
    log:
        "{root}/logs/features/external_{evalset}.log",
    benchmark:
        "{root}/benchmarks/features/external_{evalset}.tsv"
    wildcard_constraints:
        root=one_of(GRID.roots_of("features")),
    conda:
        "../../envs/features.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=60,
    params:
        features=lambda wc: feature_params(config_at(wc.root)),
        split="test",
        shard=0,
        shards=1,
        read_policy=read_policy(),
    script:
        "../scripts/features.py"


rule augment:
    input:
        manifest=task_manifest,
    output:
        "{root}/{task}/features/train_aug/{shard}.npz",
    log:
        "{root}/logs/augment/{task}_{shard}.log",
    benchmark:
        "{root}/benchmarks/augment/{task}_{shard}.tsv"
    wildcard_constraints:
        root=one_of(GRID.roots_of("augment")),
    conda:
        "../../envs/features.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=60,
    params:
        features=lambda wc: feature_params(config_at(wc.root)),
        augment=lambda wc: canonical(rule_settings(config_at(wc.root)["augment"][wc.task])),
        shards=lambda wc: config_at(wc.root)["features"]["shards"],
        read_policy=read_policy(),
        seed=lambda wc: task_seed("augment", wc.task),
    script:
        "../scripts/augment.py"
