"""Running the Glue crawlers of some layers and reporting what they changed in the catalog.

Crawls are followed through ``ListCrawls``, which gives each crawl its id, state, times and error
message. The crawl that belongs to this command is the newest one whose id was not there before
``StartCrawler`` (AWS lists it a moment after the start, so its absence at first is normal). The crawler
itself is done when the crawl has ended *and* ``GetCrawler`` says READY again. Under moto, crawls
advance only when ListCrawls is called, which this poller does every round anyway.

What changed is measured on the catalog itself: tables and partition counts of the layer's database
before and after the crawl (crawler metrics lag by minutes, and emulators have none).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from jozi_lake.aws.clients import AwsSession, aws_errors, error_code
from jozi_lake.aws.waiting import Poller
from jozi_lake.backend import CrawlerRun, CrawlResult, TableOutcome
from jozi_lake.config import load_config
from jozi_lake.errors import LakeError

CRAWL_DONE_STATES = frozenset({"COMPLETED", "FAILED", "STOPPED", "CANCELLED", "ERROR"})
START_ATTEMPTS = 30


@dataclass(frozen=True)
class TableSnapshot:
    """Per table: (last update time, column count, partition count)."""

    tables: dict[str, tuple[str, int, int]]


@dataclass
class CrawlerProgress:
    """One crawler's crawl while it is followed (turned into the shared result at the end)."""

    layer: str
    crawler: str
    database: str
    state: str = "PENDING"
    crawl_id: str | None = None
    seconds: float | None = None
    error: str | None = None
    _known_crawls: set[str] = field(default_factory=set, repr=False)
    _before: TableSnapshot | None = field(default=None, repr=False)
    _started_at: float = field(default=0.0, repr=False)
    _started_wall: datetime | None = field(default=None, repr=False)


def snapshot(aws: AwsSession, database: str) -> TableSnapshot:
    """Tables of a database with their update time, columns and partition count."""
    glue = aws.client("glue")
    tables: dict[str, tuple[str, int, int]] = {}
    with aws_errors(aws, f"reading the tables of Glue database {database}"):
        try:
            pages = list(glue.get_paginator("get_tables").paginate(DatabaseName=database))
        except ClientError as err:
            if error_code(err) == "EntityNotFoundException":
                return TableSnapshot({})
            raise
        for page in pages:
            for table in page.get("TableList", []):
                name = table["Name"]
                partitions = 0
                if table.get("PartitionKeys"):
                    for part_page in glue.get_paginator("get_partitions").paginate(
                        DatabaseName=database, TableName=name, ExcludeColumnSchema=True
                    ):
                        partitions += len(part_page.get("Partitions", []))
                columns = len(table.get("StorageDescriptor", {}).get("Columns", []))
                tables[name] = (str(table.get("UpdateTime", "")), columns, partitions)
    return TableSnapshot(tables)


def _list_crawls(glue: Any, crawler: str) -> list[dict[str, Any]]:
    return list(glue.list_crawls(CrawlerName=crawler, MaxResults=20).get("Crawls", []))


def start(aws: AwsSession, result: CrawlerProgress) -> None:
    """StartCrawler, retrying CrawlerRunningException (AWS's advice) until the running crawl ends."""
    glue = aws.client("glue")
    result._before = snapshot(aws, result.database)
    with aws_errors(aws, f"starting crawler {result.crawler}"):
        result._known_crawls = {c["CrawlId"] for c in _list_crawls(glue, result.crawler) if c.get("CrawlId")}
        poller = Poller(
            what=f"crawler {result.crawler} to become free",
            interval_seconds=15.0,
            timeout_seconds=3600.0,
            hint=f"another crawl of {result.crawler} is still running; try again when it ends",
        )
        for _attempt in range(START_ATTEMPTS):
            try:
                glue.start_crawler(Name=result.crawler)
                break
            except ClientError as err:
                if error_code(err) != "CrawlerRunningException":
                    raise
                result.state = "WAITING (already running)"
                # The running crawl's id is not ours; remember it so it is not mistaken for ours.
                result._known_crawls |= {
                    c["CrawlId"] for c in _list_crawls(glue, result.crawler) if c.get("CrawlId")
                }
                poller.wait()
        else:
            raise LakeError(
                f"crawler {result.crawler} stayed busy for {START_ATTEMPTS} attempts",
                "wait for the running crawl to end and run the command again",
            )
    result.state = "RUNNING"
    result._started_at = time.monotonic()
    result._started_wall = datetime.now(UTC)


def poll(aws: AwsSession, result: CrawlerProgress) -> None:
    """Advance ``result`` by one observation of ListCrawls + GetCrawler."""
    glue = aws.client("glue")
    with aws_errors(aws, f"following crawler {result.crawler}"):
        crawls = [
            c for c in _list_crawls(glue, result.crawler) if c.get("CrawlId") not in result._known_crawls
        ]
        crawler = glue.get_crawler(Name=result.crawler)["Crawler"]
    ours = max(crawls, key=lambda c: str(c.get("StartTime", "")), default=None)
    crawl_state = str(ours.get("State")) if ours else None
    if ours:
        result.crawl_id = ours.get("CrawlId")
        result.error = ours.get("ErrorMessage") or result.error
        if ours.get("StartTime") and ours.get("EndTime"):
            result.seconds = (ours["EndTime"] - ours["StartTime"]).total_seconds()
    crawler_state = str(crawler.get("State", ""))
    last = crawler.get("LastCrawl", {})
    if crawl_state in CRAWL_DONE_STATES and crawler_state == "READY":
        result.state = crawl_state
    elif ours is None and crawler_state == "READY" and _is_ours(last.get("StartTime"), result._started_wall):
        # The crawl ended before ListCrawls showed it (the list lags): LastCrawl has the outcome.
        status = str(last.get("Status", ""))
        result.state = {"SUCCEEDED": "COMPLETED"}.get(status, status or "COMPLETED")
        result.error = last.get("ErrorMessage") or result.error
    else:
        result.state = crawler_state or "RUNNING"
    if result.state in CRAWL_DONE_STATES:
        if result.seconds is None:
            result.seconds = time.monotonic() - result._started_at
        if result.state == "FAILED" and not result.error:
            result.error = last.get("ErrorMessage") or "no error message"


def _is_ours(last_start: Any, started: datetime | None) -> bool:
    """LastCrawl began after our StartCrawler (a minute of clock skew allowed)."""
    if not isinstance(last_start, datetime) or started is None:
        return False
    if last_start.tzinfo is None:
        last_start = last_start.replace(tzinfo=UTC)
    return last_start >= started - timedelta(minutes=1)


def table_changes(database: str, before: TableSnapshot | None, after: TableSnapshot) -> list[TableOutcome]:
    """Per table of ``database``: created, updated, unchanged or deleted, with its partition changes."""
    old = before.tables if before else {}
    new = after.tables
    outcomes: list[TableOutcome] = []
    for name in sorted(set(old) | set(new)):
        if name not in new:
            _, columns, partitions = old[name]
            outcomes.append(TableOutcome(database, name, "deleted", columns, 0, 0, partitions))
            continue
        _, columns, partitions = new[name]
        previous = old.get(name)
        if previous is None:
            action, before_partitions = "created", 0
        else:
            action = "updated" if new[name][:2] != previous[:2] else "unchanged"
            before_partitions = previous[2]
        outcomes.append(
            TableOutcome(
                database,
                name,
                action,
                columns,
                partitions,
                max(0, partitions - before_partitions),
                max(0, before_partitions - partitions),
            )
        )
    return outcomes


def crawl_layers(aws: AwsSession, layers: list[str], on_update: Any = None) -> CrawlResult:
    """Start the crawlers of ``layers`` (crawl targets: layers or quarantine) together and wait for all;
    ``on_update(results)`` after each round. Quarantine is its own target, as in the pipeline's stage list:
    its crawler writes quarantine_<table> tables into the silver database."""
    config = load_config()
    results = [
        CrawlerProgress(
            layer=layer,
            crawler=aws.lake.crawler_name(layer),
            database=aws.lake.database(config.catalog_layer(layer)),
        )
        for layer in layers
    ]
    for result in results:
        start(aws, result)
    poller = Poller(
        what=f"crawlers {', '.join(r.crawler for r in results)}",
        interval_seconds=10.0,
        timeout_seconds=3600.0,
    )
    while True:
        for result in results:
            if result.state not in CRAWL_DONE_STATES:
                poll(aws, result)
        if on_update is not None:
            on_update(results)
        if all(r.state in CRAWL_DONE_STATES for r in results):
            break
        poller.wait()
    crawl = CrawlResult(layers=list(layers))
    for result in results:
        crawl.tables += table_changes(result.database, result._before, snapshot(aws, result.database))
        crawl.crawlers.append(
            CrawlerRun(
                result.layer, result.crawler, result.state, result.seconds, result.error, result.crawl_id
            )
        )
    return crawl


__all__ = ["crawl_layers", "snapshot", "table_changes"]
