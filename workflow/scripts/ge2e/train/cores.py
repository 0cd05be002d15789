"""Training threads that follow the cores left free, without changing a byte of what training writes.

Two one-thread training jobs side by side do about twice the work of one two-thread job: on two cores torch's
intra-op threads speed a step of the demo's small LSTM up only 1.15-1.4x (with the demo's batches and
config/real-speech.yaml's; the larger imported encoder that config fine-tunes was not timed), and an OpenMP thread
that waits for a core another process holds slows every step of its job many times.
So a training job with ``train.threads: auto`` claims one core of the run, and Snakemake runs training jobs side by
side; between steps it takes the cores of the run that no other process uses (:class:`Follower`) and gives them back
as soon as another job starts, so the run's last training job does not train on one thread while the other cores idle.

The thread count must change no byte: oneMKL, whose matrix products torch's CPU build uses, sums in another order
at three threads than at one, so a checkpoint would depend on the cores a run happened to have. In oneMKL's strict
conditional numerical reproducibility mode (``MKL_CBWR=AUTO,STRICT``) its products are bitwise the same at any
thread count (for AVX2 and AVX-512 code), and at one thread the same as without it; with it, training steps of the
demo's and the paper's model size, and of the imported Resemblyzer encoder that config/real-speech.yaml fine-tunes
(``model.arch: resemblyzer``), came out the same at one to four threads. :func:`pin_products` sets it, before the
first product; rule train's script is the one place that does (a fine-tuning run is one of its jobs too).
"""

import logging
import os
import time

log = logging.getLogger(__name__)

# oneMKL's strict CNR mode, on its usual (automatically chosen) code branch: matrix products that are bitwise the same
# at any thread count. oneMKL reads it at its first product.
STRICT_PRODUCTS = {"MKL_CBWR": "AUTO,STRICT"}
INTERVAL_S = 2.0  # seconds between looks at the cores: an idle core is taken, a wanted one given back, this soon
# A core counts as free when other processes used at most this share of it over the interval (a core left idle but
# for the system's own housekeeping is free).
BUSY_SHARE = 0.3


def products_invariant():
    """True where :func:`pin_products` makes the products the same at any thread count: torch computes them with
    oneMKL, on AVX2 or AVX-512 code. Elsewhere (a build without oneMKL, an older CPU) a job keeps its claim."""
    import torch

    return torch.backends.mkl.is_available() and torch.backends.cpu.get_cpu_capability() in ("AVX2", "AVX512")


def pin_products():
    """Make training's matrix products independent of the thread count (:data:`STRICT_PRODUCTS`). Call it before
    the process's first matrix product (oneMKL reads the setting once, then); importing torch does none."""
    os.environ.update(STRICT_PRODUCTS)


class CpuTime:
    """The CPU time of the CPUs this process may run on, from ``/proc/stat``, beside the process's own.

    Args:
        stat: the kernel's CPU statistics file.
        cpus: the CPU numbers to count; None: the process's own (``os.sched_getaffinity``).
    """

    def __init__(self, stat="/proc/stat", cpus=None):
        self.stat = stat
        self.cpus = sorted(os.sched_getaffinity(0) if cpus is None else cpus)

    def busy(self):
        """Seconds the CPUs have worked since boot (every state but idle and iowait), or None where the file is
        not there (a system without /proc)."""
        wanted = {f"cpu{n}" for n in self.cpus}
        try:
            with open(self.stat) as fh:
                lines = [line.split() for line in fh if line.startswith("cpu")]
        except OSError:
            return None
        ticks = 0
        for name, *counts in lines:
            if name in wanted:
                values = [int(v) for v in counts]
                # user nice system idle iowait irq softirq steal (guest time is inside user already)
                ticks += sum(values[:8]) - values[3] - values[4]
        return ticks / os.sysconf("SC_CLK_TCK")

    @staticmethod
    def own():
        """Seconds this process has worked, every thread of it (a waiting OpenMP thread that spins included)."""
        return time.process_time()


class Follower:
    """Sets torch's thread count, between training steps, to the cores left free.

    It starts at ``start`` (the cores the job claimed of the run) and, every :data:`INTERVAL_S`, counts the cores of
    its CPUs that other processes left idle over the last interval: its own threads plus those, at most ``most`` (the
    run's cores) and never below ``start``. With ``most`` at ``start`` (a thread count the config fixes) it holds
    ``start``.

    Args:
        start, most: the fewest and the most threads.
        cpu_time: a :class:`CpuTime` (the tests give their own).
        set_threads: sets the thread count (``torch.set_num_threads``).
        clock: seconds, monotonic.
        invariant: whether the thread count may change (:func:`products_invariant`, asked where None): where it
            would change bytes, the job keeps ``start``.
    """

    def __init__(self, start, most, cpu_time=None, set_threads=None, clock=time.monotonic, invariant=None):
        if set_threads is None:
            import torch  # not at the top: pin_products must be callable before torch loads

            set_threads = torch.set_num_threads
        self.cpu_time = cpu_time or CpuTime()
        self.start = start
        self.most = max(start, min(most, len(self.cpu_time.cpus)))
        if not (products_invariant() if invariant is None else invariant):
            self.most = start
        self.set_threads, self.clock = set_threads, clock
        self.threads = start
        set_threads(start)
        self.last = self._sample()

    def _sample(self):
        return self.clock(), self.cpu_time.busy(), self.cpu_time.own()

    def __call__(self):
        """Look at the cores if an interval has passed, and change the thread count where they changed; returns
        the thread count."""
        if self.most == self.start or self.clock() - self.last[0] < INTERVAL_S:
            return self.threads
        (then, busy0, own0), (now, busy, own) = self.last, self._sample()
        self.last = (now, busy, own)
        if busy is None or busy0 is None:
            return self.threads
        others = max(0.0, (busy - busy0) - (own - own0)) / (now - then)  # cores other processes kept busy
        free = len(self.cpu_time.cpus) - others
        wanted = max(self.start, min(self.most, int(free + BUSY_SHARE)))
        if wanted != self.threads:
            log.info("threads %d -> %d: %.1f of %d cores free", self.threads, wanted, free, len(self.cpu_time.cpus))
            self.set_threads(wanted)
            self.threads = wanted
        return self.threads
