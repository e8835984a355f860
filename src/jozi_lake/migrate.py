"""Move a lake's bookkeeping from inside the layers to ``state/``, once, whoever gets there first.

Lakes written before the ``state/`` prefix kept ingest watermarks, drop ledgers and run manifests
under ``bronze/_state/`` and ``bronze/_manifests/``, and the silver job's processed-files record under
``silver/_state/<table>/``. Bronze expires (lifecycle rule), so those records could vanish and an idle
lake would re-ingest and re-process from the beginning. The ingest run, the local pipeline and the
local job runner call :func:`migrate_bookkeeping` before they read any state, so the first run of the
new code finds the old records where the new code looks.

Idempotent and safe to interrupt: an object is copied only when its new key is absent, and the old
object is deleted only once the new key holds the same bytes. A new key that already holds something
else wins (it was written by the new code); the old object is then left alone for a person to judge,
never deleted. Where each old key goes is :meth:`jozi_lake.layout.Layout.migrated_key`'s business.

Standard library and storage only: the ingest Lambda imports this module.
"""

from __future__ import annotations

from typing import Any

from jozi_lake.layout import Layout


def migrate_bookkeeping(store: Any, layout: Layout) -> list[tuple[str, str]]:
    """Move every old-layout bookkeeping object to its ``state/`` key; returns the moves made."""
    moved: list[tuple[str, str]] = []
    for prefix in layout.legacy_bookkeeping():
        for old in list(store.list_keys(prefix)):
            new = layout.migrated_key(old)
            if new is None:
                continue
            data = store.get_bytes(old)
            if not store.exists(new):
                store.put_bytes(new, data, "application/json")
            if store.get_bytes(new) == data:
                store.delete(old)
                moved.append((old, new))
    return moved
