"""Crawls: start (retrying a busy crawler), follow via ListCrawls, measure catalog changes, fail clearly."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from aws_fakes import BUCKET, FakeDeployment, cli
from botocore.stub import ANY, Stubber
from moto.moto_api import state_manager

from jozi_lake.aws import backend as aws_backend
from jozi_lake.aws import crawlers, waiting
from jozi_lake.aws.clients import open_session
from jozi_lake.config import env_config
from jozi_lake.errors import LakeError

BRONZE_DB = "jozi_pizza_dev_bronze"
BRONZE_CRAWLER = "jozi-pizza-dev-bronze"


def crawl_takes_polls(times: int) -> Iterator[None]:
    state_manager.set_transition(
        model_name="glue::crawl", transition={"progression": "manual", "times": times}
    )
    yield
    state_manager.unset_transition(model_name="glue::crawl")


@pytest.fixture()
def slow_crawls() -> Iterator[None]:
    yield from crawl_takes_polls(2)


def table_input(name: str) -> dict:
    return {
        "Name": name,
        "StorageDescriptor": {
            "Columns": [{"Name": "order_id", "Type": "string"}],
            "Location": f"s3://{BUCKET}/bronze/{name}/",
        },
        "PartitionKeys": [{"Name": "ingest_date", "Type": "string"}],
    }


def add_partition(glue: object, table: str, value: str) -> None:
    glue.create_partition(  # type: ignore[attr-defined]
        DatabaseName=BRONZE_DB,
        TableName=table,
        PartitionInput={
            "Values": [value],
            "StorageDescriptor": {"Location": f"s3://{BUCKET}/bronze/{table}/ingest_date={value}/"},
        },
    )


def test_crawl_reports_tables_and_partitions_the_crawl_added(
    deployed: FakeDeployment, slow_crawls: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    glue = deployed.client("glue")
    glue.create_table(DatabaseName=BRONZE_DB, TableInput=table_input("orders"))
    add_partition(glue, "orders", "2026-06-01")

    def catalog_changes_while_the_crawler_runs(_seconds: float) -> None:
        # What the crawler does on AWS (moto's crawls write nothing): a new table and a new partition.
        if "menu" not in {t["Name"] for t in glue.get_tables(DatabaseName=BRONZE_DB)["TableList"]}:
            glue.create_table(DatabaseName=BRONZE_DB, TableInput=table_input("menu"))
            add_partition(glue, "orders", "2026-06-02")
            add_partition(glue, "menu", "2026-06-02")

    monkeypatch.setattr(waiting, "pause", catalog_changes_while_the_crawler_runs)
    aws = open_session(env_config("dev"))
    states: list[list[str]] = []
    result = crawlers.crawl_layers(aws, ["bronze"], on_update=lambda rs: states.append([r.state for r in rs]))

    assert states[0] == ["RUNNING"] and states[-1] == ["COMPLETED"]
    (run,) = result.crawlers
    assert run.crawler == BRONZE_CRAWLER and run.state == "COMPLETED" and run.crawl_id
    assert [t.table for t in result.tables if t.action == "created"] == ["menu"]
    assert [t.table for t in result.tables if t.action == "deleted"] == []
    assert result.partitions_added == 2
    assert result.outcome("orders").partitions_added == 1 and result.outcome("menu").partitions_added == 1
    assert run.seconds is not None


def test_crawl_command_prints_every_layer(deployed: FakeDeployment) -> None:
    cli.crawl(layer=[], env="dev")
    printed = deployed.printed
    for crawler in ("jozi-pizza-dev-bronze", "jozi-pizza-dev-silver", "jozi-pizza-dev-gold"):
        assert crawler in printed
    assert "jozi-pizza-dev-quarantine" in printed  # every crawl target, quarantine included
    assert printed.count("COMPLETED") == 4
    with pytest.raises(LakeError, match="unknown layer 'platinum'"):
        cli.crawl(layer=["platinum"], env="dev")


def test_busy_crawler_is_retried_until_its_running_crawl_ends(
    deployed: FakeDeployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    state_manager.set_transition(model_name="glue::crawl", transition={"progression": "manual", "times": 3})
    try:
        glue = deployed.client("glue")
        glue.start_crawler(Name=BRONZE_CRAWLER)  # someone else's crawl (e.g. the schedule)
        (foreign,) = glue.list_crawls(CrawlerName=BRONZE_CRAWLER)["Crawls"]
        pauses: list[float] = []
        monkeypatch.setattr(waiting, "pause", pauses.append)
        result = crawlers.crawl_layers(open_session(env_config("dev")), ["bronze"])
    finally:
        state_manager.unset_transition(model_name="glue::crawl")
    (run,) = result.crawlers
    assert run.state == "COMPLETED"
    assert run.crawl_id != foreign["CrawlId"]  # ours, not the one that was running
    assert len(glue.list_crawls(CrawlerName=BRONZE_CRAWLER)["Crawls"]) == 2
    assert pauses  # it waited at least once for the busy crawler


def test_failed_crawl_is_a_clear_error_with_the_crawler_message(
    deployed: FakeDeployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    """States moto cannot produce (FAILED with a message), through a stubbed real client."""
    aws = open_session(env_config("dev"))
    monkeypatch.setattr(aws_backend, "open_session", lambda env: aws)
    glue = aws.client("glue")
    started = datetime.now(UTC)
    failed_crawl = {
        "CrawlId": "crawl-2",
        "State": "FAILED",
        "StartTime": started,
        "EndTime": started + timedelta(seconds=42),
        "ErrorMessage": "Insufficient Lake Formation permission(s) on jozi_pizza_dev_bronze",
    }
    old_crawl = {"CrawlId": "crawl-1", "State": "COMPLETED", "StartTime": started - timedelta(days=1)}
    with Stubber(glue) as stub:
        stub.add_response("get_tables", {"TableList": []}, {"DatabaseName": BRONZE_DB})
        stub.add_response(
            "list_crawls", {"Crawls": [old_crawl]}, {"CrawlerName": BRONZE_CRAWLER, "MaxResults": 20}
        )
        stub.add_client_error(
            "start_crawler", "CrawlerRunningException", "Crawler is running", expected_params={"Name": ANY}
        )
        stub.add_response("list_crawls", {"Crawls": [old_crawl]}, {"CrawlerName": ANY, "MaxResults": 20})
        stub.add_response("start_crawler", {}, {"Name": BRONZE_CRAWLER})
        stub.add_response("list_crawls", {"Crawls": [old_crawl]}, {"CrawlerName": ANY, "MaxResults": 20})
        stub.add_response(
            "get_crawler", {"Crawler": {"Name": BRONZE_CRAWLER, "State": "RUNNING"}}, {"Name": BRONZE_CRAWLER}
        )
        stub.add_response(
            "list_crawls", {"Crawls": [failed_crawl, old_crawl]}, {"CrawlerName": ANY, "MaxResults": 20}
        )
        stub.add_response(
            "get_crawler",
            {"Crawler": {"Name": BRONZE_CRAWLER, "State": "READY", "LastCrawl": {"Status": "FAILED"}}},
            {"Name": BRONZE_CRAWLER},
        )
        stub.add_response("get_tables", {"TableList": []}, {"DatabaseName": BRONZE_DB})
        with pytest.raises(LakeError) as caught:
            cli.crawl(layer=["bronze"], env="dev")
        stub.assert_no_pending_responses()
    assert caught.value.message == (
        f"crawler {BRONZE_CRAWLER} ended FAILED: "
        "Insufficient Lake Formation permission(s) on jozi_pizza_dev_bronze"
    )
    assert "/aws-glue/crawlers" in (caught.value.hint or "")
    assert "42s" in deployed.printed  # the crawl's own duration from ListCrawls
