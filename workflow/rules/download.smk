# Downloads, each switched on in the config (off by default): a rule fetches one archive or trial list, verifies
# its digest, unpacks it beside its place and moves it in (ge2e.fetch.obtain), then writes its marker under
# results/downloads/. What is in place already is never fetched or touched: the rule then only writes the marker.
# Local rules: on a cluster they run where Snakemake runs, since compute nodes often cannot reach the internet.


rule download_librispeech:
    output:
        download_marker("librispeech/{subset}"),
    log:
        "results/logs/download/librispeech_{subset}.log",
    benchmark:
        "results/benchmarks/download/librispeech_{subset}.tsv"
    wildcard_constraints:
        subset=one_of(archives.LIBRISPEECH),
    localrule: True
    conda:
        "../../envs/corpus.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=600,
    params:
        job=lambda wc: librispeech_job(wc.subset),
        policy=DOWNLOAD_POLICY,
    script:
        "../scripts/download.py"


rule download_speech_commands:
    output:
        download_marker("speech_commands"),
    log:
        "results/logs/download/speech_commands.log",
    benchmark:
        "results/benchmarks/download/speech_commands.tsv"
    localrule: True
    conda:
        "../../envs/corpus.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=600,
    params:
        job=lambda wc: speech_commands_job(),
        policy=DOWNLOAD_POLICY,
    script:
        "../scripts/download.py"


# A trial list: checked where it is converted (rule convert_trials), as a list named in the config is at start-up.
rule download_trials:
    output:
        download_marker("trials/{trial_list}"),
    log:
        "results/logs/download/trials_{trial_list}.log",
    benchmark:
        "results/benchmarks/download/trials_{trial_list}.tsv"
    wildcard_constraints:
        trial_list=one_of(archives.TRIAL_LISTS),
    localrule: True
    conda:
        "../../envs/corpus.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=30,
    params:
        job=lambda wc: fetch_job(archives.TRIAL_LISTS[wc.trial_list], trial_list_path(wc.trial_list), "download.root"),
        policy=DOWNLOAD_POLICY,
    script:
        "../scripts/download.py"


# The noise and room corpora augmentation can draw from (download.musan, download.rirs): into download.root.
rule download_musan:
    output:
        download_marker("musan"),
    log:
        "results/logs/download/musan.log",
    benchmark:
        "results/benchmarks/download/musan.tsv"
    localrule: True
    conda:
        "../../envs/corpus.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=600,
    params:
        job=fetch_job(archives.MUSAN, DOWNLOAD_ROOT / archives.MUSAN.top, "download.root"),
        policy=DOWNLOAD_POLICY,
    script:
        "../scripts/download.py"


rule download_rirs:
    output:
        download_marker("rirs"),
    log:
        "results/logs/download/rirs.log",
    benchmark:
        "results/benchmarks/download/rirs.tsv"
    localrule: True
    conda:
        "../../envs/corpus.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=600,
    params:
        job=fetch_job(archives.RIRS, DOWNLOAD_ROOT / archives.RIRS.top, "download.root"),
        policy=DOWNLOAD_POLICY,
    script:
        "../scripts/download.py"
