"""The result of an ingest run, typed: what each source landed, rejected or failed on.

The same object is the run manifest in the lake (``to_dict()``, with the bronze keys), the Lambda's
return value (``to_dict(with_keys=False)``: Step Functions branches on ``status`` and the boolean
``has_new_data``, and a state is limited to 256 KB), and what the local pipeline and the CLI read.
``from_dict`` reads a manifest back.

Standard library only: the ingest Lambda imports it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from jozi_lake.ingest.failures import Failure

SUCCEEDED = "SUCCEEDED"
FAILED = "FAILED"
RUNNING = "RUNNING"


@dataclass
class RejectedFile:
    """A landed file set aside under ``rejected/`` because it cannot be read, and why."""

    source: str
    file: str  # the landing key it arrived under
    size: int
    sha256: str
    reason: str
    hint: str
    first_bytes: str
    rejected_key: str
    reason_key: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class SourceResult:
    """One source in one run: API pages pulled, files landed, files rejected, or the failure."""

    source: str
    kind: str
    status: str = RUNNING
    rows: int = 0  # records written to bronze this run (pages and files)
    new_rows: int = 0  # of those, the ones after the previous watermark (the overlap excluded)
    pages: int = 0
    files: int = 0
    file_rows: int = 0  # of ``rows``, those from landed files
    skipped: int = 0  # landed files already in bronze (same bytes)
    rejected: list[RejectedFile] = field(default_factory=list)
    updated_since: str | None = None
    watermark: str | None = None
    resumed_run_id: str | None = None
    pagination: str | None = None  # what ended the window ("a short page", "no cursor in ...")
    failure: Failure | None = None
    keys: list[str] = field(default_factory=list)
    started_at: str | None = None
    finished_at: str | None = None

    @property
    def error(self) -> str | None:
        return self.failure.message if self.failure else None

    @property
    def hint(self) -> str | None:
        return self.failure.hint if self.failure else None

    def to_dict(self, *, with_keys: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "kind": self.kind,
            "status": self.status,
            "rows": self.rows,
            "new_rows": self.new_rows,
            "pages": self.pages,
            "files": self.files,
            "file_rows": self.file_rows,
            "skipped": self.skipped,
            "rejected": [r.to_dict() for r in self.rejected],
            "updated_since": self.updated_since,
            "watermark": self.watermark,
            "resumed_run_id": self.resumed_run_id,
            "pagination": self.pagination,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
        }
        if self.failure:
            data.update(error=self.error, hint=self.hint, failure=self.failure.to_dict())
        if with_keys:
            data["keys"] = list(self.keys)
        return data

    @classmethod
    def from_dict(cls, name: str, data: dict[str, Any]) -> SourceResult:
        failure = data.get("failure")
        return cls(
            source=name,
            kind=str(data.get("kind", "")),
            status=str(data.get("status", RUNNING)),
            rows=int(data.get("rows", 0)),
            new_rows=int(data.get("new_rows", data.get("rows", 0))),
            pages=int(data.get("pages", 0)),
            files=int(data.get("files", 0)),
            file_rows=int(data.get("file_rows", 0)),
            skipped=int(data.get("skipped", 0)),
            rejected=[RejectedFile(**r) for r in data.get("rejected", [])],
            updated_since=data.get("updated_since"),
            watermark=data.get("watermark"),
            resumed_run_id=data.get("resumed_run_id"),
            pagination=data.get("pagination"),
            failure=Failure.from_dict(failure) if failure else None,
            keys=list(data.get("keys", [])),
            started_at=data.get("started_at"),
            finished_at=data.get("finished_at"),
        )


@dataclass
class IngestSummary:
    """One ingest run over some sources; ``status`` is SUCCEEDED only if every source succeeded.

    A rejected file does not fail its source (the run goes on with everything else); it is listed in
    ``rejected_files`` so the alerting and ``lake status`` can say so.
    """

    run_id: str
    env: str
    status: str = RUNNING
    started_at: str | None = None
    finished_at: str | None = None
    manifest_key: str | None = None
    sources: dict[str, SourceResult] = field(default_factory=dict)

    @property
    def new_rows(self) -> int:
        return sum(s.new_rows for s in self.sources.values())

    @property
    def rows(self) -> int:
        return sum(s.rows for s in self.sources.values())

    @property
    def has_new_data(self) -> bool:
        return self.new_rows > 0

    @property
    def rejected_files(self) -> list[RejectedFile]:
        return [r for s in self.sources.values() for r in s.rejected]

    @property
    def failed(self) -> list[str]:
        return [name for name, s in self.sources.items() if s.status == FAILED]

    @property
    def error(self) -> str | None:
        failed = self.failed
        if not failed:
            return None
        return "; ".join(self.sources[name].error or f"{name}: failed" for name in failed)

    @property
    def hint(self) -> str | None:
        """The fix: the failed sources' hints (each names a key, the secret or a file)."""
        hints = [self.sources[name].hint for name in self.failed if self.sources[name].hint]
        return "; ".join(dict.fromkeys(h for h in hints if h)) or None

    @property
    def file_rows(self) -> int:
        return sum(s.file_rows for s in self.sources.values())

    @property
    def http_new_rows(self) -> int:
        """API rows after each source's previous watermark (every landed file row is new)."""
        return self.new_rows - self.file_rows

    @property
    def http_overlap_rows(self) -> int:
        """API rows fetched again inside the ``overlap_seconds`` window: in bronze, not new."""
        return self.rows - self.file_rows - self.http_new_rows

    def finish(self, finished_at: str) -> None:
        self.status = FAILED if self.failed else SUCCEEDED
        self.finished_at = finished_at

    def to_dict(self, *, with_keys: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "run_id": self.run_id,
            "env": self.env,
            "status": self.status,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "manifest_key": self.manifest_key,
            "new_rows": self.new_rows,
            "rows": self.rows,
            "has_new_data": self.has_new_data,
            "rejected_files": len(self.rejected_files),
            "sources": {name: s.to_dict(with_keys=with_keys) for name, s in self.sources.items()},
        }
        if self.error:
            data["error"] = self.error
            data["hint"] = self.hint
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> IngestSummary:
        return cls(
            run_id=str(data["run_id"]),
            env=str(data.get("env", "")),
            status=str(data.get("status", RUNNING)),
            started_at=data.get("started_at"),
            finished_at=data.get("finished_at"),
            manifest_key=data.get("manifest_key"),
            sources={name: SourceResult.from_dict(name, s) for name, s in data.get("sources", {}).items()},
        )


def failed_summary(run_id: str | None, env: str, message: str, hint: str | None) -> dict[str, Any]:
    """The Lambda's answer when no run could start (configuration): the shape Step Functions expects."""
    return {
        "run_id": run_id,
        "env": env,
        "status": FAILED,
        "new_rows": 0,
        "rows": 0,
        "has_new_data": False,
        "rejected_files": 0,
        "sources": {},
        "error": message,
        "hint": hint,
    }
