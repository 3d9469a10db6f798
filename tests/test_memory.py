"""Memory freed by the steps before dbt goes back to the system before dbt's process starts."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

# In a fresh interpreter: the test process's own heap would blur the figures.
MEASURE = textwrap.dedent(
    """
    import gc
    import pyarrow
    from dagster_project.memory import release_freed_memory

    def rss_mib():
        return int(open("/proc/self/statm").read().split()[1]) * 4096 / 2**20

    def freed_and_released(allocate):
        kept = allocate()
        gc.collect()
        before = rss_mib()
        release_freed_memory()
        return before - rss_mib()

    def glibc_heap():
        blocks = [bytes(2000) for _ in range(250_000)]  # ~500 MiB of blocks glibc serves from its heap
        return blocks[-1]  # the heap's top stays in use, so glibc cannot shrink the heap by itself

    def arrow_pool():
        arrays = [pyarrow.array(range(20_000)) for _ in range(2_000)]  # ~300 MiB from Arrow's pool
        return arrays[0]

    print(freed_and_released(glibc_heap), freed_and_released(arrow_pool))
    """
)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc and glibc's malloc_trim")
def test_memory_the_steps_freed_is_handed_back_from_glibcs_heap_and_arrows_pool():
    out = subprocess.run([sys.executable, "-c", MEASURE], capture_output=True, text=True, check=True).stdout
    from_heap, from_arrow = map(float, out.split())
    assert from_heap > 300, f"glibc's heap handed back only {from_heap:.0f} MiB"
    assert from_arrow > 100, f"Arrow's pool handed back only {from_arrow:.0f} MiB"
