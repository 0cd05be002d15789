# Built-in corpus (when a root is 'builtin') and conversion of a corpus (or of an external
# evaluation folder, or of the utterances a trial list names) to a manifest.


# corpus.tisv_format picks the rule that writes the TI-SV manifest: convert_timit converts a TIMIT tree
# to wav, convert_tisv lists a corpus of another layout where it lies (ge2e.corpus.formats).
if TISV_LISTED:

    ruleorder: convert_tisv > convert_timit

else:

    ruleorder: convert_timit > convert_tisv


# corpus.tdsv_format likewise: convert_snips reads the Snips layout, convert_tdsv any other where it lies.
if TDSV_LISTED:

    ruleorder: convert_tdsv > convert_snips

else:

    ruleorder: convert_snips > convert_tdsv


rule builtin_corpus:
    output:
        directory(f"{BUILTIN_ROOT}/{{corpus}}"),
    log:
        "results/logs/builtin_corpus/{corpus}.log",
    benchmark:
        "results/benchmarks/builtin_corpus/{corpus}.tsv"
    priority: CORPUS_PRIORITY
    conda:
        "../../envs/corpus.yaml"
    threads: MAX_THREADS
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        spec=lambda wc: builtin_spec(wc.corpus),
        seed=lambda wc: task_seed("builtin", wc.corpus),
    script:
        "../scripts/builtin_corpus.py"


rule convert_timit:
    input:
        corpus_input,
        extra=extra_manifests,
    output:
        manifest="results/{task}/manifest.tsv",
        wav=directory("results/{task}/wav"),
    log:
        "results/logs/convert/{task}.log",
    benchmark:
        "results/benchmarks/convert/{task}.tsv"
    wildcard_constraints:
        task="tisv",
    priority: CORPUS_PRIORITY
    conda:
        "../../envs/corpus.yaml"
    threads: MAX_THREADS
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        root=lambda wc: corpus_root(wc.task),
        test_set=TIMIT_TEST_SET,
        val_fraction=TIMIT_VAL_FRACTION,
        val_list=lambda wc: timit_val_list(),
        read_policy=read_policy(),
        capacity=lambda wc: capacity(wc.task),
        seed=lambda wc: task_seed("split", wc.task),
    script:
        "../scripts/convert_timit.py"


rule convert_tisv:
    input:
        extra=extra_manifests,
        downloads=download_inputs,
    output:
        manifest="results/{task}/manifest.tsv",
    log:
        "results/logs/convert/{task}.log",
    benchmark:
        "results/benchmarks/convert/{task}.tsv"
    wildcard_constraints:
        task="tisv",
    priority: CORPUS_PRIORITY
    conda:
        "../../envs/corpus.yaml"
    threads: MAX_THREADS
    resources:
        mem_mb=4000,
        runtime=120,
    params:
        format=TISV_FORMAT,
        spec=listed_section("tisv"),
        read_policy=read_policy(),
        capacity=lambda wc: capacity(wc.task),
        seed=lambda wc: task_seed("split", wc.task),
    script:
        "../scripts/convert_tisv.py"


# An extra TI-SV training corpus (corpus.tisv_extra_train): its manifest, every speaker training, read where it
# lies (the built-in one from rule builtin_corpus's folder); the TI-SV convert rule merges it into its manifest.
rule convert_extra:
    input:
        builtin=extra_builtin_input,
    output:
        manifest="results/tisv/extra/{extra}/manifest.tsv",
    log:
        "results/logs/convert/tisv_extra_{extra}.log",
    benchmark:
        "results/benchmarks/convert/tisv_extra_{extra}.tsv"
    wildcard_constraints:
        extra=one_of(EXTRA_TRAIN),
    priority: CORPUS_PRIORITY
    conda:
        "../../envs/corpus.yaml"
    threads: MAX_THREADS
    resources:
        mem_mb=4000,
        runtime=120,
    params:
        name=lambda wc: wc.extra,
        format=lambda wc: EXTRA_TRAIN[wc.extra][0],
        spec=lambda wc: canonical(EXTRA_TRAIN[wc.extra][1]),
        read_policy=read_policy(),
    script:
        "../scripts/convert_extra.py"


rule convert_snips:
    input:
        corpus_input,
    output:
        manifest="results/{task}/manifest.tsv",
    log:
        "results/logs/convert/{task}.log",
    benchmark:
        "results/benchmarks/convert/{task}.tsv"
    wildcard_constraints:
        task="tdsv",
    conda:
        "../../envs/corpus.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        root=lambda wc: corpus_root(wc.task),
        read_policy=read_policy(),
        capacity=lambda wc: capacity(wc.task),
    script:
        "../scripts/convert_snips.py"


# Under results/, and under the folder of each variant that reads a keyword of its own (ge2e.plan.grid.CORPUS_KEYS).
rule convert_tdsv:
    input:
        downloads=download_inputs,
    output:
        manifest="{root}/{task}/manifest.tsv",
    log:
        "{root}/logs/convert/{task}.log",
    benchmark:
        "{root}/benchmarks/convert/{task}.tsv"
    wildcard_constraints:
        task="tdsv",
        root=one_of(GRID.roots_of("corpus")),
    priority: CORPUS_PRIORITY
    conda:
        "../../envs/corpus.yaml"
    threads: MAX_THREADS
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        format=TDSV_FORMAT,
        spec=lambda wc: listed_section(wc.task, wc.root),
        read_policy=read_policy(),
        capacity=lambda wc: capacity(wc.task, config_at(wc.root)),
        seed=lambda wc: task_seed("split", wc.task),
    script:
        "../scripts/convert_tdsv.py"


rule convert_external:
    output:
        manifest="results/external/{evalset}/manifest.tsv",
    log:
        "results/logs/convert/external_{evalset}.log",
    benchmark:
        "results/benchmarks/convert/external_{evalset}.tsv"
    wildcard_constraints:
        evalset=one_of(EXTERNAL),
    conda:
        "../../envs/corpus.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        external=lambda wc: external_args(wc.evalset),
        read_policy=read_policy(),
    script:
        "../scripts/convert_external.py"


# A trial list: the manifest of exactly the utterances it names (files read where they are), and the
# list itself in one form whatever form it was published in.
rule convert_trials:
    input:
        trial_list_inputs,
    output:
        manifest="results/external/{evalset}/manifest.tsv",
        trials="results/external/{evalset}/trials.tsv",
        enrol="results/external/{evalset}/enrol.tsv",
    log:
        "results/logs/convert/trials_{evalset}.log",
    benchmark:
        "results/benchmarks/convert/trials_{evalset}.tsv"
    wildcard_constraints:
        evalset=one_of(TRIALS),
    conda:
        "../../envs/corpus.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        trial_list=lambda wc: trial_list_args(wc.evalset),
        read_policy=read_policy(),
    script:
        "../scripts/convert_trials.py"
