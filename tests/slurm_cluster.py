"""A throw-away one-node SLURM cluster for the tests: Debian's slurmctld, slurmd and munge, started as root
without systemd, everything (key, sockets, state, logs) under a temporary folder.

Installs nothing: ``make`` installs the packages (``slurmctld slurmd slurm-client munge``). The one change outside
the temporary folder is ``/etc/slurm/slurm.conf``, a symlink to the generated file while the cluster runs: the
executor plugin's job step strips ``SLURM_*`` variables (``SLURM_CONF`` included) before its inner ``srun``, so
the commands must find the configuration at the compiled-in path. An existing file there is moved aside and put
back afterwards; a link left by a killed earlier run is replaced.

    with slurm_cluster(tmp_path) as cluster:
        subprocess.run(["sbatch", "-p", cluster.partition, "--wrap", "true"], check=True)
"""

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

PACKAGES = ("slurmctld", "slurmd", "slurm-client", "munge")
DAEMONS = ("munged", "slurmctld", "slurmd")
CLIENTS = ("sinfo", "squeue", "sbatch", "srun", "scontrol", "scancel")
SLURM_CONF = Path("/etc/slurm/slurm.conf")
BACKUP = SLURM_CONF.with_name("slurm.conf.ge2e-test-backup")
MARKER = "# Written by tests/slurm_cluster.py (ge2e test cluster); safe to delete."
# Daemons live in sbin, which a non-login root shell may not have on PATH.
SEARCH_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin", "/usr/bin"])


def which(program):
    return shutil.which(program, path=SEARCH_PATH)


def missing_programs():
    """Programs of the Debian packages that are not installed."""
    return [p for p in DAEMONS + CLIENTS if which(p) is None]


def unusable_reason():
    """Why no cluster can be started here (a message), or None when it can."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return "the test SLURM cluster needs root (it starts slurmd and slurmctld and links /etc/slurm/slurm.conf)"
    missing = missing_programs()
    if missing:
        return (
            f"SLURM/munge programs missing: {', '.join(missing)} (install the Debian packages as root: "
            f"apt-get install -y --no-install-recommends {' '.join(PACKAGES)})"
        )
    return None


class ClusterError(RuntimeError):
    """The cluster did not come up; the message carries the daemons' log tails."""


@dataclass
class Cluster:
    root: Path
    partition: str
    node: str
    cpus: int
    conf: Path
    logs: dict = field(default_factory=dict)
    _procs: list = field(default_factory=list)

    @property
    def env(self):
        """Environment for client commands (the /etc link already points at ``conf``)."""
        return {**os.environ, "SLURM_CONF": str(self.conf), "PATH": SEARCH_PATH}

    def run(self, *args, timeout=30, check=True):
        return subprocess.run(
            [which(args[0]) or args[0], *args[1:]],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=check,
        )

    def log_tails(self, lines=30):
        out = []
        for name, path in self.logs.items():
            text = path.read_text(errors="replace").splitlines()[-lines:] if path.exists() else ["(no log)"]
            out.append(f"--- {name} ({path}) ---\n" + "\n".join(text))
        return "\n".join(out)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _write_conf(cluster, munge_socket):
    root = cluster.root
    mem_mb = max(65536, os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20)
    lines = [
        MARKER,
        "ClusterName=ge2etest",
        f"SlurmctldHost={cluster.node}(127.0.0.1)",
        f"SlurmctldPort={_free_port()}",
        f"SlurmdPort={_free_port()}",
        "SlurmUser=root",
        "SlurmdUser=root",
        "AuthType=auth/munge",
        "CredType=cred/munge",
        # A private munged (own key and socket), so a system munged or a second run does not interfere.
        f"AuthInfo=socket={munge_socket}",
        f"StateSaveLocation={root / 'state' / 'ctld'}",
        f"SlurmdSpoolDir={root / 'state' / 'd'}",
        f"SlurmctldPidFile={root / 'slurmctld.pid'}",
        f"SlurmdPidFile={root / 'slurmd.pid'}",
        f"SlurmctldLogFile={cluster.logs['slurmctld']}",
        f"SlurmdLogFile={cluster.logs['slurmd']}",
        f"PlugStackConfig={root / 'plugstack.conf'}",
        # No cgroups in a container without systemd: plain process tracking, no task binding.
        "ProctrackType=proctrack/linuxproc",
        "TaskPlugin=task/none",
        "JobAcctGatherType=jobacct_gather/none",
        "SelectType=select/cons_tres",
        # Cores are consumable, memory is not (nor enforced): the rules' mem_mb requests (up to the training
        # job's 8000) only have to fit the node's declared RealMemory.
        "SelectTypeParameters=CR_Core",
        "SchedulerType=sched/backfill",
        "AccountingStorageType=accounting_storage/none",
        "JobCompType=jobcomp/none",
        "MpiDefault=none",
        "ReturnToService=2",
        # Finished jobs stay visible to squeue this long: the executor's squeue status needs >= 120 s, and
        # the test checks every job of a whole run (minutes) afterwards.
        "MinJobAge=3600",
        "KillWait=5",
        "InactiveLimit=0",
        "SlurmctldTimeout=30",
        "SlurmdTimeout=30",
        "SlurmctldDebug=info",
        "SlurmdDebug=info",
        # Trust the declared CPUs/RealMemory instead of draining the node when the hardware differs.
        "SlurmdParameters=config_overrides",
        f"NodeName={cluster.node} NodeAddr=127.0.0.1 CPUs={cluster.cpus} RealMemory={mem_mb} State=UNKNOWN",
        f"PartitionName={cluster.partition} Nodes={cluster.node} Default=YES MaxTime=INFINITE State=UP",
    ]
    (root / "plugstack.conf").write_text("")
    cluster.conf.write_text("\n".join(lines) + "\n")


def _link_conf(conf):
    """Point /etc/slurm/slurm.conf at ``conf``, moving a foreign file aside (put back by _unlink_conf)."""
    SLURM_CONF.parent.mkdir(parents=True, exist_ok=True)
    if SLURM_CONF.is_symlink() and _is_ours(SLURM_CONF):
        SLURM_CONF.unlink()  # left by a killed earlier run
    elif os.path.lexists(SLURM_CONF):
        if os.path.lexists(BACKUP):
            raise ClusterError(
                f"{SLURM_CONF} exists and so does {BACKUP} (left by an interrupted test run?); "
                "put the right one back by hand"
            )
        SLURM_CONF.rename(BACKUP)
    SLURM_CONF.symlink_to(conf)


def _is_ours(link):
    target = Path(os.readlink(link))
    if not target.exists():
        return True  # dangling: the temporary folder of an earlier run is gone
    with contextlib.suppress(OSError):
        return target.read_text().startswith(MARKER)
    return False


def _unlink_conf(conf):
    if SLURM_CONF.is_symlink() and Path(os.readlink(SLURM_CONF)) == conf:
        SLURM_CONF.unlink()
    if os.path.lexists(BACKUP) and not os.path.lexists(SLURM_CONF):
        BACKUP.rename(SLURM_CONF)


def _start(cluster, name, args):
    log = cluster.root / "log" / f"{name}.out"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [which(name), *args],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=cluster.env,
            start_new_session=True,  # a Ctrl-C of the test run reaches them only through stop()
        )
    cluster._procs.append((name, proc))
    cluster.logs.setdefault(f"{name} (stdout)", log)
    return proc


def _wait(cluster, what, ready, timeout):
    deadline = time.monotonic() + timeout
    while True:
        for name, proc in cluster._procs:
            if proc.poll() is not None:
                raise ClusterError(f"{name} exited ({proc.returncode}) while waiting for {what}\n{cluster.log_tails()}")
        if ready():
            return
        if time.monotonic() > deadline:
            raise ClusterError(f"timed out after {timeout} s waiting for {what}\n{cluster.log_tails()}")
        time.sleep(0.5)


def _node_state(cluster):
    proc = cluster.run("sinfo", "-h", "-N", "-p", cluster.partition, "-o", "%T", check=False, timeout=10)
    return proc.stdout.strip().lower() if proc.returncode == 0 else ""


def _ping(cluster):
    proc = cluster.run("scontrol", "ping", check=False, timeout=10)
    return proc.returncode == 0 and "UP" in proc.stdout


def _step_daemons(cluster):
    """PIDs of the slurmstepd processes of this cluster: they detach from slurmd but keep its log open."""
    log = str(cluster.logs["slurmd"])
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            # Debian's binary is slurmstepd-wlm.
            if Path(os.readlink(proc / "exe")).name.startswith("slurmstepd") and any(
                os.readlink(fd) == log for fd in (proc / "fd").iterdir()
            ):
                pids.append(int(proc.name))
    return pids


def _reap_step_daemons(cluster, timeout=20):
    deadline = time.monotonic() + timeout
    while (pids := _step_daemons(cluster)) and time.monotonic() < deadline:
        time.sleep(0.5)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def _stop(cluster):
    """Cancel what is left in the queue, then stop exactly the daemons started here (newest first)."""
    running = {name for name, proc in cluster._procs if proc.poll() is None}
    if {"slurmctld", "slurmd"} <= running:
        # Left-over jobs (a failed or timed-out test): cancel them and let slurmd's job steps finish
        # (the node turns idle again) before slurmd goes, so no slurmstepd outlives the cluster.
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            jobs = cluster.run("squeue", "-h", "-o", "%i", timeout=10).stdout.split()
            if jobs:
                cluster.run("scancel", *jobs, check=False, timeout=10)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and (
                cluster.run("squeue", "-h", timeout=10).stdout.strip() or _node_state(cluster) != "idle"
            ):
                time.sleep(0.5)
    _reap_step_daemons(cluster)
    for _name, proc in reversed(cluster._procs):
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
    cluster._procs.clear()


@contextlib.contextmanager
def slurm_cluster(root, partition="debug", cpus=None, timeout=90):
    """Start munged, slurmctld and slurmd under ``root``; yield a :class:`Cluster` once the node is idle.

    ``cpus`` defaults to the CPUs this process may use. Stops the daemons and restores /etc/slurm on exit,
    also when start-up fails.
    """
    reason = unusable_reason()
    if reason:
        raise ClusterError(reason)
    root = Path(root).resolve()
    for sub in ("munge", "state/ctld", "state/d", "log"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    # munged refuses key and socket folders that others can write to.
    os.chmod(root, 0o755)
    os.chmod(root / "munge", 0o711)
    node = socket.gethostname().split(".")[0]
    cpus = cpus or len(os.sched_getaffinity(0))
    cluster = Cluster(root=root, partition=partition, node=node, cpus=cpus, conf=root / "slurm.conf")
    # munged in the foreground logs to its stdout (captured by _start); the SLURM daemons to these files.
    cluster.logs = {name: root / "log" / f"{name}.log" for name in ("slurmctld", "slurmd")}
    munge_socket = root / "munge" / "munge.socket"
    key = root / "munge" / "munge.key"
    key.write_bytes(secrets.token_bytes(1024))
    key.chmod(0o600)
    _write_conf(cluster, munge_socket)
    _link_conf(cluster.conf)
    try:
        _start(
            cluster,
            "munged",
            [
                "--foreground",
                "--force",
                f"--socket={munge_socket}",
                f"--key-file={key}",
                f"--pid-file={root / 'munge' / 'munged.pid'}",
                f"--seed-file={root / 'munge' / 'munged.seed'}",
            ],
        )
        _wait(cluster, "munged's socket", munge_socket.exists, timeout)
        _start(cluster, "slurmctld", ["-D", "-i", "-f", str(cluster.conf)])
        _wait(cluster, "slurmctld to answer scontrol ping", lambda: _ping(cluster), timeout)
        _start(cluster, "slurmd", ["-D", "-f", str(cluster.conf), "-N", node])
        _wait(cluster, f"node {node} idle in partition {partition}", lambda: _node_state(cluster) == "idle", timeout)
        yield cluster
    finally:
        try:
            _stop(cluster)
        finally:
            _unlink_conf(cluster.conf)
