# The comparison table and the loss plots.


rule eer_table:
    input:
        [path for _, paths in table_rows() for path in paths.values()],
    output:
        "results/eer_table.md",
    log:
        "results/logs/eer_table.log",
    benchmark:
        "results/benchmarks/eer_table.tsv"
    conda:
        "../../envs/ge2e.yaml"
    params:
        rows=table_rows(),
        corpus_note=corpus_note(),
    script:
        "../scripts/eer_table.py"


rule plot_loss:
    input:
        "results/{task}/{schedule}/loss.tsv",
    output:
        "results/plots/loss_{task}_{schedule}.png",
    log:
        "results/logs/plot_loss/{task}_{schedule}.log",
    benchmark:
        "results/benchmarks/plot_loss/{task}_{schedule}.tsv"
    conda:
        "../../envs/ge2e.yaml"
    script:
        "../scripts/plot_loss.py"


rule plot_scores:
    input:
        lambda wc: [path for _, path in score_systems(wc.task)],
    output:
        det="results/plots/det_{task}.png",
        hist="results/plots/scores_{task}.png",
    log:
        "results/logs/plot_scores/{task}.log",
    benchmark:
        "results/benchmarks/plot_scores/{task}.tsv"
    conda:
        "../../envs/ge2e.yaml"
    params:
        labels=lambda wc: [label for label, _ in score_systems(wc.task)],
    script:
        "../scripts/plot_scores.py"


rule embedding_map:
    input:
        untrained=f"results/{{task}}/{SCHEDULES[0]}/init.pt",
        trained=f"results/{{task}}/{SCHEDULES[0]}/final.pt",
        test=lambda wc: feature_shards(wc.task, "test"),
    output:
        "results/plots/embeddings_{task}.png",
    log:
        "results/logs/embedding_map/{task}.log",
    benchmark:
        "results/benchmarks/embedding_map/{task}.tsv"
    conda:
        "../../envs/ge2e.yaml"
    params:
        trained_label=f"trained ({SCHEDULES[0]} lr, final checkpoint)",
        frames=lambda wc: config["evaluate"][wc.task]["frames"],
        seed=lambda wc: task_seed("embedding_map", wc.task),
    script:
        "../scripts/embedding_map.py"
