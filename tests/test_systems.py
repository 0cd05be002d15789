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
    assert set(systems.CHECKPOINT_TITLES) == {*systems.TRAINED_CHECKPOINTS, systems.UNTRAINED}
