from ge2e import systems


def test_systems_are_trained_checkpoints_then_baselines_each_named_once():
    found = systems.systems(["const", "step"])
    assert [(s.schedule, s.checkpoint) for s in found] == [
        ("const", "final"),
        ("const", "best"),
        ("step", "final"),
        ("step", "best"),
        ("const", systems.UNTRAINED),  # every schedule starts from the same weights
        (None, None),  # the MFCC baseline has no model
    ]
    assert [s.baseline for s in found] == [False] * 4 + [True] * 2
    for names in ([s.label for s in found], [s.plot_label for s in found]):
        assert len(set(names)) == len(names)


def test_every_task_and_checkpoint_has_its_labels():
    assert set(systems.TASK_NAMES) == set(systems.TASK_TITLES) == set(systems.CORPUS_OF_TASK) == set(systems.TASKS)
    assert set(systems.CORPUS_NAMES) == set(systems.TASKS)
    assert systems.builtin_name("tisv") == "built-in synthetic TIMIT look-alike"
    assert set(systems.CHECKPOINT_TITLES) == {*systems.TRAINED_CHECKPOINTS, systems.UNTRAINED}


def test_variants_add_their_rows_named_after_them_and_baselines_where_they_have_their_own():
    found = systems.systems(
        ["const"], ["default", "mom0", "raw"], untrained=["default", "raw"], mfcc=["default", "raw"]
    )
    assert [(s.variant, s.schedule, s.checkpoint) for s in found] == [
        ("default", "const", "final"), ("default", "const", "best"),
        ("mom0", "const", "final"), ("mom0", "const", "best"),
        ("raw", "const", "final"), ("raw", "const", "best"),
        ("default", "const", systems.UNTRAINED), ("raw", "const", systems.UNTRAINED),
        ("default", None, None), ("raw", None, None),
    ]  # fmt: skip
    assert found[0].label == "Ours: const lr, final checkpoint"  # the default's rows keep their names
    assert found[2].label == "Ours, mom0: const lr, final checkpoint" and found[2].plot_label == "mom0: const lr, final"
    assert found[-1].label == "MFCC mean+std cosine baseline (no training), raw's features"
    for names in ([s.label for s in found], [s.plot_label for s in found]):
        assert len(set(names)) == len(names)


def test_a_mean_over_keywords_is_named_in_the_variants_place():
    found = systems.systems(["step"], ["default", "word_no"], untrained=["default", "word_no"])
    labels = [systems.keyword_mean_label(s) for s in found if s.variant == "default"]
    assert labels == [
        "Ours, mean over keywords: step lr, final checkpoint",
        "Ours, mean over keywords: step lr, best checkpoint",
        "Ours, mean over keywords: untrained encoder",
        "MFCC mean+std cosine baseline (no training), mean over keywords",
    ]
    assert not {*labels} & {s.label for s in found}
