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
