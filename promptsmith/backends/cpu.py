"""How many cores the model runtimes may use (no heavy imports)."""

from __future__ import annotations

import os
from functools import lru_cache


def cpu_count() -> int:
    """Logical cores this process may run on (its affinity mask, not the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


@lru_cache(maxsize=1)
def physical_cores() -> int:
    """Physical cores among those this process may run on (hyper-threads counted once).

    Read from /proc/cpuinfo's (physical id, core id) pairs on Linux; elsewhere the logical count.
    """
    allowed = None
    try:
        allowed = os.sched_getaffinity(0)
    except (AttributeError, OSError):
        pass
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as fh:
            blocks = fh.read().split("\n\n")
    except OSError:
        return cpu_count()
    cores: set[tuple[str, str]] = set()
    for block in blocks:
        fields = dict(line.split(":", 1) for line in block.splitlines() if ":" in line)
        fields = {k.strip(): v.strip() for k, v in fields.items()}
        if "processor" not in fields:
            continue
        if allowed is not None and int(fields["processor"]) not in allowed:
            continue
        cores.add((fields.get("physical id", "0"), fields.get("core id", fields["processor"])))
    return len(cores) or cpu_count()


def llm_threads() -> int:
    """The default thread count for llama.cpp: the physical cores less one, at least one.

    Measured on a busy 2-core machine, 2 threads ran 5–10× slower than 1 (the second thread
    waits for a core the rest of the machine holds); one core left free keeps the process and
    everything around it responsive.
    """
    return max(1, physical_cores() - 1)
