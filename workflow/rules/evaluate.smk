# EER of each checkpoint, the untrained encoder and the MFCC baseline on the test speakers.
# Every system of a task is scored on identical trials (one seed per task).


rule evaluate:
    input:
        checkpoint="results/{task}/{schedule}/{checkpoint}.pt",
        test=lambda wc: feature_shards(wc.task, "test"),
    output:
        json=report(
            "results/{task}/{schedule}/eval/{checkpoint}.json",
            caption="../report/metrics.rst",
            category=task_category,
            subcategory=schedule_subcategory,
            labels=lambda wc: {"result": "metrics (JSON)", "checkpoint": CHECKPOINT_TITLES[wc.checkpoint]},
        ),
        scores="results/{task}/{schedule}/eval/{checkpoint}_scores.tsv",
    log:
        "results/logs/evaluate/{task}_{schedule}_{checkpoint}.log",
    benchmark:
        "results/benchmarks/evaluate/{task}_{schedule}_{checkpoint}.tsv"
    conda:
        "../../envs/train.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=60,
    params:
        protocol=eval_protocol,
        seed=lambda wc: task_seed("evaluate", wc.task),
    script:
        "../scripts/evaluate.py"


rule evaluate_mfcc:
    input:
        test=lambda wc: feature_shards(wc.task, "test"),
    output:
        json=report(
            "results/{task}/baselines/mfcc.json",
            caption="../report/metrics.rst",
            category=task_category,
            subcategory="baselines",
            labels={"result": "metrics (JSON)", "checkpoint": "MFCC mean+std (no model)"},
        ),
        scores="results/{task}/baselines/mfcc_scores.tsv",
    log:
        "results/logs/evaluate_mfcc/{task}.log",
    benchmark:
        "results/benchmarks/evaluate_mfcc/{task}.tsv"
    conda:
        "../../envs/train.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=60,
    params:
        protocol=eval_protocol,
        seed=lambda wc: task_seed("evaluate", wc.task),
    script:
        "../scripts/evaluate.py"
