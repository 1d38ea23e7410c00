"""Process settings the package needs before pandas and pyarrow allocate anything.

pyarrow (pandas' string storage, the Parquet files) allocates with mimalloc by default, which
reserves address space ahead of use: under a memory cap (``RLIMIT_AS``, a container's limit)
that ends in "can't start new thread" instead of the bounded reading and clear error the
readers promise (``tests/test_reader_limits.py``). The system allocator reserves nothing
ahead. A user's own ``ARROW_DEFAULT_MEMORY_POOL`` wins.

>>> import os
>>> os.environ["ARROW_DEFAULT_MEMORY_POOL"] in {"system", "jemalloc", "mimalloc"}
True
"""

from __future__ import annotations

import os

__all__: list[str] = []

os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
