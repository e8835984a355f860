"""``lake watch``: the local lake's landing trigger. A file dropped under ``landing/<source>/`` starts a run.

On AWS an S3 event starts the state machine (:mod:`jozi_lake.landing`); locally there is no event to
listen to that works the same everywhere, so the watcher polls the local bucket's ``landing/`` folder:

* **What counts**: a drop of a declared source (:meth:`Layout.landing_drop`, the rule ingestion lands
  by), whose bytes the drop ledger has not settled (:func:`jozi_lake.ingest.drops.is_accounted`: landed,
  rejected, held or processed, under any name). The SHA-256 of a file is computed once per size and
  modification time.
* **Stable only**: a file must show the same size and modification time at two polls in a row, so a file
  still being copied in is not taken half-written (the first poll only notes it).
* **Then one run** of the same pipeline ``lake run-pipeline`` runs, through the backend, taking the lease
  (a run that holds it is waited for). A file a run took but could not settle (a storage failure mid-copy)
  is not retried until it changes, so a broken file cannot start run after run; ``lake status`` shows why.

Nothing here sleeps or prints by itself: :func:`watch` takes the clock, the output and the run, so the
detection is tested with real files and no Spark, and the CLI (:mod:`jozi_lake.cli.pipeline`) wires in the
real pipeline.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jozi_lake.ingest.drops import is_accounted, read_ledger
from jozi_lake.layout import Layout


@dataclass(frozen=True)
class Seen:
    """A landing file as one poll saw it."""

    size: int
    mtime_ns: int


@dataclass
class LandingWatch:
    """The state between polls of one lake's ``landing/``: what each file looked like, and its digest."""

    store: Any  # the lake bucket (its ledgers)
    root: Path  # the local bucket folder the store keeps its keys under
    layout: Layout
    sources: tuple[str, ...]
    previous: dict[str, Seen] = field(default_factory=dict)
    digests: dict[tuple[str, Seen], str] = field(default_factory=dict)
    tried: dict[str, Seen] = field(default_factory=dict)

    def snapshot(self) -> dict[str, Seen]:
        """Every drop of a declared source under ``landing/`` now, with its size and modification time."""
        found: dict[str, Seen] = {}
        for source in self.sources:
            prefix = self.layout.landing(source)
            folder = self.root / prefix
            try:
                entries = list(os.scandir(folder))
            except (FileNotFoundError, NotADirectoryError):
                continue
            for entry in entries:
                key = prefix + entry.name
                if not self.layout.landing_drop(key, self.sources):
                    continue
                try:
                    if not entry.is_file():
                        continue
                    stat = entry.stat()
                except FileNotFoundError:
                    continue  # gone between the listing and the look
                found[key] = Seen(stat.st_size, stat.st_mtime_ns)
        return found

    def _digest(self, key: str, seen: Seen) -> str | None:
        cached = self.digests.get((key, seen))
        if cached is None:
            try:
                cached = hashlib.sha256((self.root / key).read_bytes()).hexdigest()
            except FileNotFoundError:
                return None
            self.digests[(key, seen)] = cached
        return cached

    def unaccounted(self, files: dict[str, Seen]) -> list[str]:
        """The keys of ``files`` whose bytes the drop ledger has not settled, in key order."""
        ledgers: dict[str, dict[str, Any]] = {}
        pending = []
        for key in sorted(files):
            drop = self.layout.landing_drop(key, self.sources)
            if drop is None:
                continue
            source = drop[0]
            if source not in ledgers:
                ledgers[source] = read_ledger(self.store, self.layout, source)
            digest = self._digest(key, files[key])
            if digest is not None and not is_accounted(ledgers[source], digest):
                pending.append(key)
        return pending

    def poll(self) -> tuple[list[str], list[str]]:
        """One look: ``(work, settling)``. ``work`` are stable unaccounted files a run has not tried in
        this state; ``settling`` files appeared or changed since the last look (the next one decides)."""
        current = self.snapshot()
        stable = {key: seen for key, seen in current.items() if self.previous.get(key) == seen}
        settling = sorted(key for key in current if key not in stable)
        self.previous = current
        work = [key for key in self.unaccounted(stable) if self.tried.get(key) != stable[key]]
        return work, settling

    def describe(self, keys: list[str], listed: int = 3) -> str:
        """The keys themselves when few, else how many per source."""
        if len(keys) <= listed:
            return ", ".join(keys)
        per_source: dict[str, int] = {}
        for key in keys:
            drop = self.layout.landing_drop(key, self.sources)
            if drop:
                per_source[drop[0]] = per_source.get(drop[0], 0) + 1
        return ", ".join(f"{source} {count}" for source, count in per_source.items())

    def ran(self, keys: Iterable[str]) -> list[str]:
        """After a run took ``keys``: those still unaccounted, which are not retried until they change."""
        left = self.unaccounted({key: self.previous[key] for key in keys if key in self.previous})
        for key in left:
            self.tried[key] = self.previous[key]
        return left


def for_store(store: Any, layout: Layout | None = None, sources: Iterable[str] | None = None) -> LandingWatch:
    """The watcher of a local lake bucket (:class:`~jozi_lake.storage.LocalObjectStore`): lake.yaml's layout
    and sources unless given."""
    from jozi_lake.config import load_config
    from jozi_lake.layout import lake_layout

    return LandingWatch(
        store=store,
        root=Path(store.base),
        layout=layout or lake_layout(),
        sources=tuple(load_config().source_names if sources is None else sources),
    )


Say = Callable[[str], None]
RunPipeline = Callable[[list[str]], bool]  # the files that started it -> whether the run succeeded


def watch(
    watcher: LandingWatch,
    run: RunPipeline,
    *,
    interval: float,
    once: bool = False,
    say: Say = print,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Poll ``landing/`` every ``interval`` seconds and run the pipeline when stable new files are there.

    ``once``: look twice, ``interval`` apart (stability needs two looks), run if there is work, return.
    Returns the exit code: 0 after nothing to do or a run that succeeded, 1 after a ``once`` run that
    failed; Ctrl-C returns 0 when idle (130 when it interrupted a run, whose lease its own cleanup gave back).
    """
    running = False
    try:
        watcher.poll()  # the first look only notes what is there
        announced: set[str] = set()
        while True:
            sleep(interval)
            work, settling = watcher.poll()
            for key in settling:
                if key not in announced:
                    say(f"  … {key}: waiting until it stops changing")
                    announced.add(key)
            if work:
                say(f"{len(work)} new file(s) in landing/: {watcher.describe(work)}")
                running = True
                succeeded = run(work)
                running = False
                announced -= set(work)
                for key in watcher.ran(work):
                    say(f"  ! {key} is still not landed after the run: not retried until it changes")
                if once:
                    return 0 if succeeded else 1
            elif once:
                waiting = f" ({len(settling)} still changing)" if settling else ""
                say(f"nothing new in landing/{waiting}")
                return 0
    except KeyboardInterrupt:
        say("stopped watching landing/" + (" during a run" if running else ""))
        return 130 if running else 0
