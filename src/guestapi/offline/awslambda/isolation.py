"""How far a function's sandbox can be walled off on this machine, probed once.

With util-linux's `unshare --user --pid --fork --mount-proc` (unprivileged) each sandbox gets a
PID namespace and a /proc of its own: a function cannot see the developer's other processes, in
particular not their environments (`/proc/<pid>/environ` holds exported AWS keys), and the kernel
kills everything left when the namespace's first process ends. Where that is refused (macOS,
kernels or AppArmor that forbid it), a sandbox is a plain process in its own session and the
stack says so once at start-up (`Isolation.warning`).
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass

from guestapi.offline.awslambda import proctree

_UNSHARE_OPTIONS = ("--user", "--pid", "--fork", "--mount-proc", "--kill-child")
# Run inside a would-be sandbox: it must be process 1 and see no other process.
_PROBE = "import os; print(os.getpid(), sum(name.isdigit() for name in os.listdir('/proc')))"
_PROBE_TIMEOUT_S = 10


@dataclass(frozen=True)
class Isolation:
    prefix: tuple[str, ...] = ()  # put before the worker's command line
    reason: str = ""  # why sandboxes have no namespace of their own

    @property
    def namespaced(self) -> bool:
        return bool(self.prefix)

    def warning(self) -> str | None:
        """The one start-up line for a stack with functions, when they are not walled off."""
        if self.namespaced:
            return None
        lost = [
            "a function can read the environment of any process of your user "
            "(/proc/<pid>/environ: your AWS keys if they are exported)"
        ]
        if not proctree.AVAILABLE:
            lost.append("a process it detaches may outlive it, and MemorySize is not enforced")
        return (
            f"offline Lambda: functions run without a PID namespace of their own ({self.reason}): "
            + "; ".join(lost)
        )


PROCESS_ONLY = Isolation(reason="chosen by the caller")


@functools.cache
def detect() -> Isolation:
    """The best isolation this machine allows: one probe per process, about 20 ms."""
    unshare = shutil.which("unshare")
    if not sys.platform.startswith("linux") or unshare is None:
        return Isolation(reason="no unshare command (util-linux) here")
    prefix = (unshare, *_UNSHARE_OPTIONS, "--")
    try:
        probe = subprocess.run(
            [*prefix, sys.executable, "-I", "-S", "-c", _PROBE],
            capture_output=True,
            text=True,
            timeout=_PROBE_TIMEOUT_S,
            stdin=subprocess.DEVNULL,
            env={"PATH": os.environ.get("PATH", os.defpath)},
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return Isolation(reason=f"unshare failed: {exc}")
    if probe.returncode != 0 or probe.stdout.split() != ["1", "1"]:
        said = probe.stderr.strip().splitlines()
        return Isolation(reason=f"unshare refused: {said[-1] if said else probe.returncode}")
    return Isolation(prefix)
