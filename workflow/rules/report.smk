# The comparison table, the run summary and the figures; every one is marked for
# `snakemake --report` (category per task, subcategory per schedule, labels per figure).


rule eer_table:
    input:
        [path for _, paths in table_rows() for path in paths.values()],
        [path for _, _, rows in external_tables() + trial_tables() for _, paths in rows for path in paths.values()],
    output:
        md="results/eer_table.md",
        html=report(
            "results/eer_table.html",
            caption="../report/eer_table.rst",
            category=SUMMARY,
            labels={"result": "EER and minDCF table"},
        ),
    log:
        "results/logs/eer_table.log",
    benchmark:
        "results/benchmarks/eer_table.tsv"
    conda:
        "../../envs/report.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    params:
        rows=table_rows(),
        external=external_tables(),
        trial_lists=trial_tables(),
        corpus_note=corpus_note(),
    script:
        "../scripts/eer_table.py"


rule run_summary:
    input:
        **{task: f"results/{task}/manifest.tsv" for task in TASKS},
    output:
        report(
            "results/run_summary.html",
            caption="../report/run_summary.rst",
            category=SUMMARY,
            labels={"result": "data and model"},
        ),
    log:
        "results/logs/run_summary.log",
    benchmark:
        "results/benchmarks/run_summary.tsv"
    conda:
        "../../envs/report.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        tasks=run_summary_tasks(),
        model=canonical(config["model"]),
        n_mels=config["features"]["params"]["n_mels"],
    script:
        "../scripts/run_summary.py"


rule plot_loss:
    input:
        "results/{task}/{schedule}/loss.tsv",
    output:
        report(
            "results/plots/loss_{task}_{schedule}.png",
            caption="../report/loss.rst",
            category=task_category,
            subcategory=schedule_subcategory,
            labels=lambda wc: {"result": "training loss", "checkpoint": "every step"},
        ),
    log:
        "results/logs/plot_loss/{task}_{schedule}.log",
    benchmark:
        "results/benchmarks/plot_loss/{task}_{schedule}.tsv"
    conda:
        "../../envs/report.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../scripts/plot_loss.py"


rule plot_scores:
    input:
        lambda wc: score_files(wc.task, wc.evalset),
    output:
        det=report(
            "results/plots/det_{task}_{evalset}.png",
            caption="../report/det.rst",
            category=task_category,
            subcategory=ALL_SYSTEMS,
            labels=lambda wc: {"result": "DET curves", "set": wc.evalset},
        ),
        hist=report(
            "results/plots/scores_{task}_{evalset}.png",
            caption="../report/scores.rst",
            category=task_category,
            subcategory=ALL_SYSTEMS,
            labels=lambda wc: {"result": "score histograms", "set": wc.evalset},
        ),
    log:
        "results/logs/plot_scores/{task}_{evalset}.log",
    benchmark:
        "results/benchmarks/plot_scores/{task}_{evalset}.tsv"
    conda:
        "../../envs/report.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        labels=[s.plot_label for s in SYSTEMS],
        baselines=[s.baseline for s in SYSTEMS],
    script:
        "../scripts/plot_scores.py"


rule embedding_map:
    input:
        untrained=f"results/{{task}}/{SCHEDULES[0]}/init.pt",
        trained=f"results/{{task}}/{SCHEDULES[0]}/final.pt",
        test=lambda wc: feature_shards(wc.task, "test"),
    output:
        report(
            "results/plots/embeddings_{task}.png",
            caption="../report/embeddings.rst",
            category=task_category,
            subcategory=ALL_SYSTEMS,
            labels={"result": "embedding map (t-SNE)"},
        ),
    log:
        "results/logs/embedding_map/{task}.log",
    benchmark:
        "results/benchmarks/embedding_map/{task}.tsv"
    conda:
        "../../envs/report.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=15,
    params:
        trained_label=f"trained ({SCHEDULES[0]} lr, final checkpoint)",
        frames=lambda wc: config["evaluate"][wc.task]["frames"],
        seed=lambda wc: task_seed("embedding_map", wc.task),
    script:
        "../scripts/embedding_map.py"
