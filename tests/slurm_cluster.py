"""Start and stop a one-node SLURM cluster on localhost for the tests (root only).

The configuration is written to /etc/slurm/slurm.conf (job steps started by ``srun`` inside a
job read only the default location) and removed again on exit; a machine that already has a
slurm.conf is refused, so a real cluster's configuration is never touched. State, spool and logs
live in a temporary folder. munge is started only if it is not already running. Daemons are
stopped by the PIDs in their PID files.
Recipe: ../shared/TOOLS.md ("SLURM (a real cluster on localhost)").
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

SYSTEM_CONF = Path("/etc/slurm/slurm.conf")
BINARIES = ("slurmctld", "slurmd", "munged", "sbatch", "squeue", "sinfo")

CONF = """\
ClusterName=rnainteract-test
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
ReturnToService=2
StateSaveLocation={root}/state
SlurmdSpoolDir={root}/spool
SlurmctldPidFile={root}/slurmctld.pid
SlurmdPidFile={root}/slurmd.pid
SlurmctldLogFile={root}/slurmctld.log
SlurmdLogFile={root}/slurmd.log
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
MinJobAge=600
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
NodeName=localhost NodeAddr=127.0.0.1 CPUs={cpus} RealMemory={mem_mb} State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
"""


def missing_binaries() -> list[str]:
    """SLURM/munge programs not on PATH (or in /usr/sbin)."""
    return [b for b in BINARIES if shutil.which(b) is None and not Path("/usr/sbin", b).exists()]


def _sbin(name: str) -> str:
    return shutil.which(name) or str(Path("/usr/sbin", name))


def _munge_works() -> bool:
    if shutil.which("munge") is None:
        return False
    proc = subprocess.run("munge -n | unmunge", shell=True, capture_output=True)
    return proc.returncode == 0


class LocalSlurm:
    """A one-node cluster; use as a context manager. ``env`` has SLURM_CONF set."""

    def __init__(self, root: Path, *, cpus: int | None = None, mem_mb: int = 8000):
        self.root = Path(root)
        self.cpus = cpus or os.cpu_count() or 1
        self.mem_mb = mem_mb
        self.conf = SYSTEM_CONF
        self.env = {**os.environ, "SLURM_CONF": str(self.conf)}
        self.pid_files: list[Path] = []

    def __enter__(self) -> LocalSlurm:
        if self.conf.exists():
            raise RuntimeError(f"{self.conf} exists: not starting a test cluster over it")
        for sub in ("state", "spool"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        self.conf.parent.mkdir(parents=True, exist_ok=True)
        self.conf.write_text(CONF.format(root=self.root, cpus=self.cpus, mem_mb=self.mem_mb))
        if not _munge_works():
            run_dir = Path("/run/munge")
            run_dir.mkdir(parents=True, exist_ok=True)
            shutil.chown(run_dir, "munge", "munge")
            subprocess.run(["runuser", "-u", "munge", "--", _sbin("munged")], check=True)
            self.pid_files.append(run_dir / "munged.pid")
        subprocess.run([_sbin("slurmctld"), "-f", str(self.conf)], check=True, env=self.env)
        self.pid_files.append(self.root / "slurmctld.pid")
        subprocess.run(
            [_sbin("slurmd"), "-f", str(self.conf), "-N", "localhost"], check=True, env=self.env
        )
        self.pid_files.append(self.root / "slurmd.pid")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            proc = subprocess.run(
                ["sinfo", "-h", "-o", "%T"], capture_output=True, text=True, env=self.env
            )
            if proc.stdout.strip() == "idle":
                return self
            time.sleep(0.5)
        self.__exit__(None, None, None)
        raise RuntimeError(f"SLURM did not become idle; see {self.root}/slurmctld.log")

    def __exit__(self, *exc) -> None:
        for pid_file in reversed(self.pid_files):
            try:
                os.kill(int(pid_file.read_text().split()[0]), signal.SIGTERM)
            except (FileNotFoundError, ValueError, ProcessLookupError):
                pass
        time.sleep(1)
        self.conf.unlink(missing_ok=True)

    def job_comments(self) -> list[str]:
        """Comments of all jobs the controller still knows (Snakemake puts the rule name there)."""
        proc = subprocess.run(
            ["squeue", "-h", "-t", "all", "-o", "%k"],
            capture_output=True,
            text=True,
            env=self.env,
            check=True,
        )
        return proc.stdout.split()
