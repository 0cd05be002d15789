"""The download rules' jobs and markers (ge2e.plan.downloads): what to fetch from where, where it goes and what
means it is there already."""

from run_configs import run_config

from ge2e.fetch import archives
from ge2e.plan.downloads import Downloads, librispeech_fetched, marker


def test_markers_and_the_librispeech_subsets_a_download_may_fetch():
    assert marker("librispeech/test-clean") == "results/downloads/librispeech/test-clean.done"
    section = {"train_subsets": ["train-clean-100", "mine"], "test_subsets": ["test-clean"]}
    assert librispeech_fetched(section) == ["train-clean-100", "test-clean"]


def test_each_download_rules_job():
    d = Downloads(run_config("corpus: {librispeech: {root: data/LS}}", "download: {root: dl, musan: true}"))
    job = d.librispeech("test-clean")
    assert (job["into"], job["there"], job["where"]) == ("data/LS", "data/LS/test-clean", "corpus.librispeech.root")
    assert job["source"] == archives.source(archives.LIBRISPEECH["test-clean"], d.settings)
    assert d.noise(archives.MUSAN)["into"] == "dl/musan" and d.noise(archives.RIRS)["where"] == "download.root"
    assert d.speech_commands()["where"] == "corpus.speech_commands.root"
    assert d.trial_list_path("vox1_o") == "dl/voxceleb/veri_test2.txt"
    assert d.noise_markers() == ["results/downloads/musan.done"]
    assert list(d.policy) == ["retries", "retry_delay_s", "timeout_s"]
