"""What the download rules are asked to do, and the markers the rules that read their files wait for.

Each download rule (workflow/rules/download.smk) fetches one archive or list (``ge2e.fetch.obtain``) and writes a
marker under ``results/downloads/`` once its files are in place; whatever reads them waits for the marker.
Every download is switched on in the config (off by default).
"""

from pathlib import Path

from ge2e.fetch import archives
from ge2e.plan.params import canonical

MARKERS = "results/downloads"


def marker(name):
    """The marker file a download rule writes when ``name`` (e.g. librispeech/train-clean-100, musan) is in place."""
    return f"{MARKERS}/{name}.done"


def librispeech_fetched(section):
    """The subsets of corpus.librispeech (train and test) that openslr publishes, and so a download may fetch."""
    return [s for s in (*section["train_subsets"], *section["test_subsets"]) if s in archives.LIBRISPEECH]


class Downloads:
    """The download section of a config (``download``) and the corpus folders downloads fill."""

    def __init__(self, config):
        self.settings = config["download"]
        self.root = Path(self.settings["root"])
        self.librispeech_root = config["corpus"]["librispeech"]["root"]
        self.speech_commands_root = config["corpus"]["speech_commands"]["root"]
        # How every transfer is tried (ge2e.fetch.download.Policy).
        self.policy = canonical({key: self.settings[key] for key in ("retries", "retry_delay_s", "timeout_s")})

    def job(self, archive, into, where, there=None):
        """A download rule's params (``ge2e.fetch.obtain.obtain``): what to fetch and from where
        (``ge2e.fetch.archives.source``), where it goes, the config key to point at a roomier disk, and the path
        whose presence means it is there already (default: ``into`` itself)."""
        return canonical(
            {
                "source": archives.source(archive, self.settings),
                "into": str(into),
                "there": str(there or into),
                "where": where,
            }
        )

    def librispeech(self, subset):
        """The job of one LibriSpeech subset, unpacked under corpus.librispeech.root."""
        root = self.librispeech_root
        return self.job(archives.LIBRISPEECH[subset], root, "corpus.librispeech.root", there=Path(root, subset))

    def speech_commands(self):
        """The job of Speech Commands v0.02, unpacked into corpus.speech_commands.root."""
        return self.job(archives.SPEECH_COMMANDS_V2, self.speech_commands_root, "corpus.speech_commands.root")

    def noise(self, archive):
        """The job of a noise or room corpus (MUSAN, RIRS_NOISES), unpacked into download.root."""
        return self.job(archive, self.root / archive.top, "download.root")

    def trial_list_path(self, key):
        """Where the download of trial list ``key`` (vox1_o, vox1_e, vox1_h) puts it: download.root/voxceleb/<file>."""
        return str(self.root / archives.TRIAL_LIST_FOLDER / archives.TRIAL_LISTS[key].name)

    def noise_markers(self):
        """The markers of the noise corpora download.musan and download.rirs fetch (for augmentation)."""
        return [marker(name) for name in ("musan", "rirs") if self.settings[name]]
