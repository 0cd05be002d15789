# The comparison table, the run summary and the figures; every one is marked for
# `snakemake --report` (category per task, subcategory per schedule, labels per figure).


rule eer_table:
    input:
        table_inputs(all_table_rows(), means=keyword_means()),
    output:
        md="results/eer_table.md",
        html=report(
            "results/eer_table.html",
            caption="../report/eer_table.rst",
            category=SUMMARY,
            labels={"result": "EER and minDCF table"},
        ),
        per_seed=PER_SEED,
    log:
        "results/logs/eer_table.log",
    benchmark:
        "results/benchmarks/eer_table.tsv"
    conda:
        "../../envs/report.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        rows=table_rows(),
        # Rows averaging the TD-SV encoders of variants that change the keyword alone (none without such variants).
        means=keyword_means(),
        external=external_tables(),
        trial_lists=trial_tables(),
        corpus_note=corpus_note(),
        tasks=RUN_TASKS,
        seeds=SEEDS,
        references=REFERENCE_TASKS,
        bootstrap=BOOTSTRAP,
        seed=task_seed("seeds"),
    script:
        "../scripts/eer_table.py"


# Each variant against default, paired by seed (only where the experiment has variants).
rule ablation:
    input:
        table_inputs(all_table_rows(), every_score=True),
    output:
        md="results/ablation.md",
        html=report(
            "results/ablation.html",
            caption="../report/ablation.rst",
            category=SUMMARY,
            labels={"result": "ablation: variants against default"},
        ),
    log:
        "results/logs/ablation.log",
    benchmark:
        "results/benchmarks/ablation.tsv"
    conda:
        "../../envs/report.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        sections=ablation_sections(),
        tasks=RUN_TASKS,
        seeds=SEEDS,
        bootstrap=BOOTSTRAP,
        seed=task_seed("ablation"),
    script:
        "../scripts/ablation.py"


rule run_summary:
    input:
        **{task: f"results/{task}/manifest.tsv" for task in RUN_TASKS},
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
        model=MODEL,
        n_mels=N_MELS,
        # Not the page's: its report caption's (workflow/report/run_summary.rst).
        corpora=corpus_lines(),
    script:
        "../scripts/run_summary.py"


# The loss curves of every seed of one variant's schedule in one figure, under the variant's root.
rule plot_loss:
    input:
        loss_files,
    output:
        report(
            "{root}/plots/loss_{task}_{schedule}.png",
            caption="../report/loss.rst",
            category=task_category,
            subcategory=schedule_subcategory,
            labels=lambda wc: {"result": "training loss", "checkpoint": "every step"}
            | grid_labels(wc.root, seeded=False),
        ),
    log:
        "{root}/logs/plot_loss/{task}_{schedule}.log",
    benchmark:
        "{root}/benchmarks/plot_loss/{task}_{schedule}.tsv"
    wildcard_constraints:
        root=one_of(GRID.variant_roots()),
    conda:
        "../../envs/report.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        title=loss_title,
        seeds=lambda wc: SEEDS if len(SEEDS) > 1 else [],
    script:
        "../scripts/plot_loss.py"


# DET curves and score histograms of one variant's systems (every seed) on one set, under the variant's root.
rule plot_scores:
    input:
        scores=lambda wc: [path for _, paths in plot_systems(wc) for path in paths],
        results=lambda wc: [result for _, result, _ in decision_systems(wc)],
    output:
        det=report(
            "{root}/plots/det_{task}_{evalset}.png",
            caption="../report/det.rst",
            category=task_category,
            subcategory=ALL_SYSTEMS,
            labels=lambda wc: {"result": "DET curves", "set": wc.evalset} | grid_labels(wc.root, seeded=False),
        ),
        hist=report(
            "{root}/plots/scores_{task}_{evalset}.png",
            caption="../report/scores.rst",
            category=task_category,
            subcategory=ALL_SYSTEMS,
            labels=lambda wc: {"result": "score histograms", "set": wc.evalset} | grid_labels(wc.root, seeded=False),
        ),
        decisions=report(
            "{root}/plots/decisions_{task}_{evalset}.png",
            caption="../report/decisions.rst",
            category=task_category,
            subcategory=ALL_SYSTEMS,
            labels=lambda wc: {"result": "thresholds chosen on validation", "set": wc.evalset}
            | grid_labels(wc.root, seeded=False),
        ),
    log:
        "{root}/logs/plot_scores/{task}_{evalset}.log",
    benchmark:
        "{root}/benchmarks/plot_scores/{task}_{evalset}.tsv"
    wildcard_constraints:
        root=one_of(GRID.variant_roots()),
    conda:
        "../../envs/report.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        systems=lambda wc: [(s.plot_label, len(paths), s.baseline) for s, paths in plot_systems(wc)],
        decisions=lambda wc: [scores for _, _, scores in decision_systems(wc)],
        variant=lambda wc: GRID.at(wc.root)[0],
    script:
        "../scripts/plot_scores.py"


rule embedding_map:
    input:
        untrained=lambda wc: f"{GRID.init_root(wc.task, DEFAULT, SEEDS[0])}/{wc.task}/{SCHEDULES[0]}/init.pt",
        trained=lambda wc: f"{GRID.run_root(wc.task, DEFAULT, SCHEDULES[0], SEEDS[0])}/{wc.task}/{SCHEDULES[0]}/final.pt",
        test=lambda wc: feature_shards(wc.task, "test"),
    output:
        report(
            "results/plots/embeddings_{task}.png",
            caption="../report/embeddings.rst",
            category=task_category,
            subcategory=ALL_SYSTEMS,
            labels=lambda wc: {"result": "embedding map (t-SNE)"} | grid_labels(RESULTS, seeded=False),
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
        start_label=lambda wc: start_title(wc.task),
        trained_label=embedding_map_label(),
        frames=lambda wc: eval_frames(wc.task),
        seed=lambda wc: task_seed("embedding_map", wc.task),
    script:
        "../scripts/embedding_map.py"
