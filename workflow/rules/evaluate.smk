# EER of each checkpoint, the untrained encoder and the MFCC baseline on the test speakers.
# Every system of a task is scored on identical trials (one seed per task).


rule evaluate:
    input:
        checkpoint="results/{task}/{schedule}/{checkpoint}.pt",
        test=lambda wc: feature_shards(wc.task, "test"),
    output:
        json="results/{task}/{schedule}/eval/{checkpoint}.json",
        scores="results/{task}/{schedule}/eval/{checkpoint}_scores.tsv",
    log:
        "results/logs/evaluate/{task}_{schedule}_{checkpoint}.log",
    benchmark:
        "results/benchmarks/evaluate/{task}_{schedule}_{checkpoint}.tsv"
    conda:
        "../../envs/ge2e.yaml"
    params:
        protocol=eval_protocol,
        seed=lambda wc: task_seed("evaluate", wc.task),
    script:
        "../scripts/evaluate.py"


rule evaluate_mfcc:
    input:
        test=lambda wc: feature_shards(wc.task, "test"),
    output:
        json="results/{task}/baselines/mfcc.json",
        scores="results/{task}/baselines/mfcc_scores.tsv",
    log:
        "results/logs/evaluate_mfcc/{task}.log",
    benchmark:
        "results/benchmarks/evaluate_mfcc/{task}.tsv"
    conda:
        "../../envs/ge2e.yaml"
    params:
        protocol=eval_protocol,
        seed=lambda wc: task_seed("evaluate", wc.task),
    script:
        "../scripts/evaluate.py"
