"""Alerts a person must act on: a poison file set aside, a batch held, bronze no contract reads.
One interface, two homes.

An :class:`Alert` names the source, the file (or batch), the reason and the fix. Where it goes is chosen
once, by where the code runs:

* on AWS each alert is one SNS message to the alert topic (:class:`SnsNotifier`): the lake Lambda's
  (rejected files; topic ARN in ``LAKE_ALERT_TOPIC_ARN``, which Terraform sets) and the Glue jobs'
  (batches the silver job held; topic ARN in the ``--alert_topic_arn`` job argument, which Terraform
  sets, :func:`jozi_lake.jobs.glue_adapter.alert_after_failure`);
* locally each alert is a line in the run output (:class:`LinesNotifier`; the CLI renders the lines
  through ``cli/render.py``).

:func:`alerts_for_ingest` turns an ingest run's rejected files into alerts, and its sources that landed
rows in bronze with no silver contract to read them (those rows would otherwise wait there unseen: the
silver job reads only tables with a contract); the silver job's gate error
carries a :func:`held_batch_alert` per batch it held (:func:`alerts_of`). Standard library only
(boto3 clients come from the caller): the Lambda imports this module.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Protocol

from jozi_lake.contracts_index import silver_tables
from jozi_lake.layout import lake_layout

if TYPE_CHECKING:  # the Glue jobs import this module too, and the ingest package needs requests
    from jozi_lake.ingest.summary import IngestSummary, RejectedFile

TOPIC_VAR = "LAKE_ALERT_TOPIC_ARN"
FILE_REJECTED = "file_rejected"
BATCH_HELD = "batch_held"
NO_CONTRACT = "no_contract"
# kind -> (the SNS subject's words, the one-line form's words)
_KIND_WORDS = {
    FILE_REJECTED: ("file rejected", "rejected file"),
    BATCH_HELD: ("batch held", "held batch"),
    NO_CONTRACT: ("bronze no contract reads", "unread bronze"),
}
SUBJECT_LIMIT = 100  # SNS rejects longer subjects


@dataclass(frozen=True)
class Alert:
    kind: str  # file_rejected | batch_held | no_contract
    env: str
    source: str
    item: str  # the landing key of the file, or the batch id
    reason: str
    fix: str
    detail: Mapping[str, Any]

    def subject(self) -> str:
        return f"[lake {self.env}] {_KIND_WORDS[self.kind][0]}: {self.source}"[:SUBJECT_LIMIT]

    def line(self) -> str:
        """The one-line form (local run output, and the first line of the SNS message)."""
        # A rejected file is no longer where it arrived: say where it is kept, to look at it.
        kept = f"; kept as {self.detail['rejected_key']}" if self.detail.get("rejected_key") else ""
        what = _KIND_WORDS[self.kind][1]
        return f"{what} {self.item} ({self.source}): {self.reason}{kept}; fix: {self.fix}"

    def message(self) -> str:
        return self.line() + "\n\n" + json.dumps(asdict(self), indent=1, default=str)


def rejected_file_alert(env: str, rejected: RejectedFile) -> Alert:
    return Alert(
        kind=FILE_REJECTED,
        env=env,
        source=rejected.source,
        item=rejected.file,
        reason=rejected.reason,
        fix=rejected.hint
        or f"send a corrected file under landing/{rejected.source}/ (any name); this one stays in rejected/",
        detail={
            "rejected_key": rejected.rejected_key,
            "reason_key": rejected.reason_key,
            "size": rejected.size,
            "sha256": rejected.sha256,
        },
    )


def held_batch_alert(
    env: str, source: str, batch: str, reason: str, fix: str, detail: Mapping[str, Any] | None = None
) -> Alert:
    """A bronze batch taken out of processing (by a ``fail`` rule or by hand)."""
    return Alert(
        kind=BATCH_HELD, env=env, source=source, item=batch, reason=reason, fix=fix, detail=dict(detail or {})
    )


def alerts_of(error: BaseException) -> list[Alert]:
    """The alerts an error carries in its ``alerts`` list (the silver job's gate error: a held batch
    each); none for most errors."""
    found = getattr(error, "alerts", None)
    return [a for a in found if isinstance(a, Alert)] if isinstance(found, list) else []


def no_contract_alert(env: str, source: str, rows: int) -> Alert:
    """A source whose rows reached bronze while no silver contract reads them."""
    return Alert(
        kind=NO_CONTRACT,
        env=env,
        source=source,
        item=lake_layout().bronze_table(source),
        reason=f"{rows:,} row(s) landed in bronze and no silver contract reads them (they wait there)",
        fix=f"run `lake contract draft {source}`, review contracts/silver/{source}.yaml, then run the "
        "pipeline: the silver job then reads every bronze file of the source",
        detail={"rows": rows},
    )


def alerts_for_ingest(summary: IngestSummary) -> list[Alert]:
    """The rejected files of an ingest run, then each source that landed rows with no silver contract."""
    contracted = set(silver_tables())
    alerts = [rejected_file_alert(summary.env, r) for r in summary.rejected_files]
    alerts += [
        no_contract_alert(summary.env, name, result.rows)
        for name, result in summary.sources.items()
        if result.rows and name not in contracted
    ]
    return alerts


class Notifier(Protocol):
    def notify(self, alert: Alert) -> None: ...


class LinesNotifier:
    """Locally: each alert becomes a line handed to ``sink`` (the CLI's renderer) and is kept."""

    def __init__(self, sink: Callable[[str], None] | None = None) -> None:
        self.sink = sink
        self.alerts: list[Alert] = []

    def notify(self, alert: Alert) -> None:
        self.alerts.append(alert)
        if self.sink is not None:
            self.sink(alert.line())


class SnsNotifier:
    """On AWS: one SNS message per alert on the lake's alert topic."""

    def __init__(self, topic_arn: str, client: Any) -> None:
        self.topic_arn = topic_arn
        self.client = client

    def notify(self, alert: Alert) -> None:
        self.client.publish(TopicArn=self.topic_arn, Subject=alert.subject(), Message=alert.message())


def lambda_notifier(environ: Mapping[str, str], sns_client: Callable[[], Any]) -> Notifier:
    """The Lambda's notifier: SNS when Terraform set the topic; else a line in the function's log."""
    topic = environ.get(TOPIC_VAR)
    return SnsNotifier(topic, sns_client()) if topic else LinesNotifier(print)


def notify_all(notifier: Notifier, alerts: list[Alert]) -> int:
    for alert in alerts:
        notifier.notify(alert)
    return len(alerts)
