# EER of each checkpoint, the untrained encoder and the MFCC baseline on each evaluation set:
# the test speakers of the task's corpus, every external folder (evaluate.external) and every
# trial list (evaluate.trials; with its AS-norm cohort, the task's training split, when on).
# Every system of a task is scored on identical trials of a set (one seed per task and set, whatever the
# variant or experiment seed), with the features of the checkpoint's variant. Each result also says what the
# calibration and thresholds fitted on the validation speakers achieve there: a checkpoint holds its own (training
# fits them); the MFCC baseline's are fitted on the validation speakers' features here.


rule evaluate:
    input:
        checkpoint="{root}/{task}/{schedule}/{checkpoint}.pt",
        test=eval_features,
        trials=trial_files,
        cohort=cohort_features,
    output:
        json=report(
            "{root}/{task}/{schedule}/eval/{evalset}/{checkpoint}.json",
            caption="../report/metrics.rst",
            category=task_category,
            subcategory=schedule_subcategory,
            labels=lambda wc: {
                "result": "metrics (JSON)",
                "set": wc.evalset,
                "checkpoint": CHECKPOINT_TITLES[wc.checkpoint],
            }
            | grid_labels(wc.root),
        ),
        scores="{root}/{task}/{schedule}/eval/{evalset}/{checkpoint}_scores.tsv",
    log:
        "{root}/logs/evaluate/{task}_{schedule}_{evalset}_{checkpoint}.log",
    benchmark:
        "{root}/benchmarks/evaluate/{task}_{schedule}_{evalset}_{checkpoint}.tsv"
    wildcard_constraints:
        root=one_of(GRID.roots_of("train")),
    conda:
        "../../envs/train.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=60,
    params:
        protocol=eval_protocol,
        seed=eval_seed,
    script:
        "../scripts/evaluate.py"


# The MFCC baseline of each features setting (the run's, and each variant's that changes features).
rule evaluate_mfcc:
    input:
        test=eval_features,
        val=val_shards,
        trials=trial_files,
        cohort=cohort_features,
    output:
        json=report(
            "{root}/{task}/baselines/{evalset}/mfcc.json",
            caption="../report/metrics.rst",
            category=task_category,
            subcategory="baselines",
            labels=lambda wc: {
                "result": "metrics (JSON)",
                "set": wc.evalset,
                "checkpoint": "MFCC mean+std (no model)",
            }
            | grid_labels(wc.root, seeded=False),
        ),
        scores="{root}/{task}/baselines/{evalset}/mfcc_scores.tsv",
    log:
        "{root}/logs/evaluate_mfcc/{task}_{evalset}.log",
    benchmark:
        "{root}/benchmarks/evaluate_mfcc/{task}_{evalset}.tsv"
    wildcard_constraints:
        root=one_of(GRID.roots_of("features")),
    conda:
        "../../envs/train.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=60,
    params:
        protocol=eval_protocol,
        seed=eval_seed,
        source=validation_source,
    script:
        "../scripts/evaluate.py"
