"""``lake contract draft NAME``: a starting silver contract from what a source has put into bronze.

The draft samples the newest bronze files of the source (read the way silver reads them, with the
source's options), profiles the fields (:mod:`.fields`) and proposes:

* one column per field with the type and parser that every sampled value fits (field names that are
  not identifiers get a snake_case column and keep the field under ``source:``);
* key candidates: fields unique and never empty in the sample; when records are versions of the
  same thing (the same id again with a later change time), fields unique per change time;
* a change-time column (the source's ``incremental.field``, else a timestamp field named like an
  update time) for "latest version wins", and an event time (the partition date) among the other
  timestamps.

It is a draft for a person to review: the notes say what was guessed, and what must be decided by
hand (no timestamp at all, no unique key). The written file is validated by the contract loader.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jozi_lake.config import LakeConfig
from jozi_lake.errors import LakeError
from jozi_lake.ingest.bodies import bronze_records
from jozi_lake.ingest.fields import FieldProfile, profile_fields
from jozi_lake.layout import Layout, is_data_key
from jozi_lake.sources import SourceConfig, bronze_format

CHANGE_TIME_NAMES = ("updated_at", "modified_at", "last_modified", "updated", "modified", "changed_at")
EVENT_TIME_WORDS = ("placed", "created", "event", "occurred", "start", "time", "date", "_at")
MAX_FILES = 20
# The quality gate a draft starts with: a run whose batches are more than half quarantined (and big
# enough to judge) is held, not published; the reviewer tunes the share to the source.
GATE_SHARE = 0.5
GATE_MIN_ROWS = 10
GATE_RULE = "quarantine_share_at_most_50pct"


@dataclass
class DraftColumn:
    name: str
    type: str
    parse: str
    source: str
    required: bool
    examples: list[str]
    present: int


@dataclass
class ContractDraft:
    """A proposed silver contract and what it was proposed from."""

    table: str
    columns: list[DraftColumn]
    key_candidates: list[tuple[str, ...]]
    primary_key: tuple[str, ...]
    event_time: str | None
    dedup_order: str | None
    records_sampled: int
    files_sampled: list[str]
    notes: list[str] = field(default_factory=list)

    def to_yaml(self) -> str:
        """The contract file's text, in the house style of contracts/silver/."""
        out = [
            f"# Silver contract for {self.table}, drafted by `lake contract draft` from "
            f"{self.records_sampled} bronze records ({len(self.files_sampled)} files). Review it:",
        ]
        out += [f"#   - {note}" for note in self.notes]
        out += [
            f"table: {self.table}",
            f"description: {_quote('TODO: what one row of ' + self.table + ' is.')}",
            f"primary_key: [{', '.join(self.primary_key)}]",
            f"event_time: {self.event_time or 'TODO'}",
            f"dedup_order: {self.dedup_order or self.event_time or 'TODO'}",
            "columns:",
        ]
        for col in self.columns:
            kind = col.type if col.type.isalnum() else f"'{col.type}'"
            parts = [f"name: {col.name}", f"type: {kind}", f"parse: {col.parse}"]
            if col.source != col.name:
                parts.append(f"source: {_quote(col.source)}")
            if col.required:
                parts.append("required: true")
            example = f"e.g. {', '.join(col.examples[:2])}" if col.examples else "always empty in the sample"
            parts.append(f"description: {_quote(f'TODO ({example}).')}")
            out.append(f"  - {{{', '.join(parts)}}}")
        out.append("rules: []")
        # A file that is mostly rejects (another source's export, renamed headers) holds its batch and
        # alerts instead of publishing nothing with a green run: a gate every draft starts with.
        out.append("table_rules:")
        out.append(
            f"  - {{name: {GATE_RULE}, severity: fail, "
            f'expr: "rows_read < {GATE_MIN_ROWS} OR quarantine_share <= {GATE_SHARE}"}}'
        )
        return "\n".join(out) + "\n"


def _quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def column_name(field_name: str) -> str:
    """A silver column name for a source field: lower-case snake_case identifier."""
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", field_name)
    name = re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").lower()
    if not name or name[0].isdigit():
        name = f"f_{name}"
    return name


def sample_bronze(
    config: LakeConfig, source: SourceConfig, store: Any, max_records: int
) -> tuple[list[dict[str, Any]], list[str]]:
    """Up to ``max_records`` records from the newest bronze files of ``source`` (and the files read)."""
    layout = Layout(config.prefixes)
    prefix = layout.bronze_table(source.name)
    keys = [k for k in store.list_keys(prefix) if is_data_key(k, prefix) and bronze_format(k)]
    records: list[dict[str, Any]] = []
    files: list[str] = []
    for key in sorted(keys, reverse=True)[:MAX_FILES]:
        if len(records) >= max_records:
            break
        got = bronze_records(source, key, store.get_bytes(key), max_records - len(records))
        if got:
            records += got
            files.append(key)
    return records, files


def _unique(records: list[dict[str, Any]], fields: Iterable[str]) -> bool:
    seen: set[str] = set()
    for record in records:
        values = [record.get(f) for f in fields]
        if any(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            return False
        key = json.dumps(values, default=str)
        if key in seen:
            return False
        seen.add(key)
    return bool(records)


# Share of sampled records an id-named field must be in to be drafted as the key.
MOSTLY_PRESENT = 0.95


def _few(sampled: int) -> int:
    """How many sampled records may lack an id-named field that is still the key: 5% of them, and at
    least one, so a small sample with one record missing its id still keys on the id."""
    return max(1, int((1 - MOSTLY_PRESENT) * sampled))


def _id_named(name: str) -> bool:
    """``id``, ``order_id``, ``vehicleId``: a name that says it identifies the record."""
    lowered = name.lower()
    return lowered == "id" or lowered.endswith(("_id", "-id", "uuid")) or name.endswith(("Id", "ID"))


def _key_candidates(
    records: list[dict[str, Any]], profiles: list[FieldProfile], change: str | None
) -> tuple[list[tuple[str, ...]], list[str]]:
    """Fields (or pairs) that identify a record in the sample: an id-named text or integer field (unique,
    or unique with the change time when records are versions; in nearly every record), else any field
    always present and unique, else a pair (a time may be part of a pair: a station's reading at a time)."""
    notes: list[str] = []
    usable = [
        p
        for p in profiles
        if p.present == len(records)
        and not p.nulls
        and p.parse in ("text", "integer", "local_timestamp", "date")
        and p.near is None  # text only through a few odd values: really a measure (an amount), not a key
        and p.name != change
    ]
    ids = [p.name for p in usable if p.parse in ("text", "integer")]
    names = sorted((p.name for p in usable), key=lambda n: (n not in ids, not _id_named(n)))
    singles: list[tuple[str, ...]] = [(n,) for n in ids if _unique(records, (n,))]
    singles.sort(key=lambda c: not _id_named(c[0]))
    if singles and _id_named(singles[0][0]):
        return singles, notes
    distinct = list({json.dumps(r, sort_keys=True, default=str): r for r in records}.values())
    if len(distinct) < len(records):
        notes.append(
            f"{len(records) - len(distinct)} sampled records are exact duplicates (silver dedups them)"
        )
    # An id-named field beats a field that is unique by chance (a reading, a note): also when the records
    # are versions of one thing, or when a few sampled records lack it (required: those go to quarantine).
    named = sorted(
        (
            p
            for p in profiles
            if _id_named(p.name)
            and p.parse in ("text", "integer")
            and p.name != change
            and len(records) - (p.present - p.nulls) <= _few(len(records))
        ),
        key=lambda p: p.name.lower() != "id",
    )
    for profile in named:
        having = [r for r in distinct if r.get(profile.name) not in (None, "")]
        missing = len(records) - (profile.present - profile.nulls)
        lacking = [f"{missing} sampled record(s) lack {profile.name}: required, they go to quarantine"]
        if _unique(having, (profile.name,)):
            return [(profile.name,), *singles], notes + (lacking if missing else [])
        # Versions of one thing: the id repeats only with another change time, and nearly every record
        # has its own id (a vehicle_id on each check repeats far more often: it names another thing).
        own_ids = len({json.dumps(r.get(profile.name), default=str) for r in having})
        if change and _unique(having, (profile.name, change)) and own_ids >= 0.8 * len(having):
            notes.append(
                f"{profile.name} repeats with a later {change}: records are versions, "
                "the latest wins in silver"
            )
            return [(profile.name,), *singles], notes + (lacking if missing else [])
    if singles:
        return singles, notes
    if change:
        # Versions of one thing: the id repeats only with another change time, and nearly every
        # distinct record has its own id.
        distinct_ids = {p.name: p.distinct for p in usable}
        versioned: list[tuple[str, ...]] = [
            (n,) for n in ids if _unique(distinct, (n, change)) and distinct_ids[n] >= 0.8 * len(distinct)
        ]
        if versioned:
            notes.append(
                f"{versioned[0][0]} repeats with a later {change}: records are versions, "
                "the latest wins in silver"
            )
            return versioned, notes
    pairs: list[tuple[str, ...]] = [
        (a, b) for i, a in enumerate(names[:8]) for b in names[i + 1 : 8] if _unique(distinct, (a, b))
    ]
    return pairs[:3], notes


def draft_contract(config: LakeConfig, name: str, *, store: Any, max_records: int = 1000) -> ContractDraft:
    """Draft the silver contract of source ``name`` from its bronze samples (nothing is written)."""
    source = config.source(name)
    records, files = sample_bronze(config, source, store, max_records)
    if not records:
        raise LakeError(
            f"no bronze records of {name} to draft a contract from",
            f"ingest it first (lake ingest --source {name}, or drop a file and lake drop)",
        )
    profiles = profile_fields(records)
    notes: list[str] = []
    timestamps = [p.name for p in profiles if p.type == "timestamp"]
    inc = source.http.incremental if source.http else None
    change = inc.field if inc and inc.field in timestamps else None
    if change is None:
        change = next((t for t in timestamps if t.lower() in CHANGE_TIME_NAMES), None)
    others = [t for t in timestamps if t != change]
    event = next((t for t in others if any(w in t.lower() for w in EVENT_TIME_WORDS)), None)
    event = event or (others[0] if others else change)
    if not timestamps:
        notes.append(
            "no timestamp field: silver needs an event time and a change time; set event_time and "
            "dedup_order by hand (a reference table kind is planned)"
        )
    elif change is None:
        notes.append(
            f"no change-time field found: dedup_order uses the event time {event}, so a record re-sent "
            f"with the same {event} and other values replaces the one in silver (the later file wins) and "
            "files must land in the order they were exported; if the source can send an older version "
            "after a newer one, export a change time (e.g. updated_at) and use it as dedup_order"
        )
    candidates, key_notes = _key_candidates(records, profiles, change)
    notes += key_notes
    if not candidates:
        notes.append("no field is unique in the sample: choose primary_key by hand")
    key = candidates[0] if candidates else ("TODO",)
    columns = []
    for profile in profiles:
        col = column_name(profile.name)
        columns.append(
            DraftColumn(
                name=col,
                type=profile.type,
                parse=profile.parse,
                source=profile.name,
                required=profile.name in key or profile.name in (event, change),
                examples=profile.examples,
                present=profile.present,
            )
        )
    rename = {p.name: column_name(p.name) for p in profiles}
    notes += [n for p in profiles if (n := p.near_note(rename[p.name]))]
    if len(set(rename.values())) != len(rename):
        notes.append("two fields map to the same column name: rename one by hand")
    sparse = [p.name for p in profiles if p.present < len(records)]
    if sparse:
        notes.append(f"not in every record: {', '.join(sparse)} (schema change? old and new names?)")
    if candidates[1:]:
        notes.append("other key candidates: " + ", ".join("+".join(c) for c in candidates[1:4]))
    notes.append(
        f"table_rules holds the batch of a run more than {GATE_SHARE:.0%} quarantined ({GATE_RULE}): "
        "tune the share to the source"
    )
    return ContractDraft(
        table=name,
        columns=columns,
        key_candidates=candidates,
        primary_key=tuple(rename.get(k, k) for k in key),
        event_time=rename.get(event, event) if event else None,
        dedup_order=rename.get(change, change) if change else None,
        records_sampled=len(records),
        files_sampled=files,
        notes=notes,
    )


def write_draft(draft: ContractDraft, project_dir: Path, *, force: bool = False) -> Path:
    """Write the draft to ``contracts/silver/<table>.yaml`` (never over an existing contract unless told)."""
    target = project_dir / "contracts" / "silver" / f"{draft.table}.yaml"
    if target.exists() and not force:
        raise LakeError(
            f"{target} exists", "review and edit it, or pass --force to replace it with the draft"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(draft.to_yaml(), encoding="utf-8")
    return target


def validate_draft(draft: ContractDraft) -> str | None:
    """The contract loader's complaint about the draft, or None when it loads as it is."""
    import yaml

    from jozi_lake.contracts import ContractError, parse_silver_contract

    try:
        parse_silver_contract(yaml.safe_load(draft.to_yaml()), f"contracts/silver/{draft.table}.yaml")
    except ContractError as err:
        return str(err)
    return None
