"""A deployed lake inside moto: the resources Terraform would create, and the outputs that name them.

Tests drive the real ``lake`` command functions (``--env dev``: the AWS backend, then the terminal
rendering) against moto's in-process AWS (``mock_aws``), called without their one-line error wrapper
so a test sees the LakeError a user would read. The Terraform outputs come from a JSON file through
``LAKE_TF_OUTPUTS_FILE``, exactly as ``terraform output -json`` would print them.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jozi_lake.aws.clients import new_boto3_session
from jozi_lake.cli import catalog, ingest, jobs, pipeline
from jozi_lake.config import env_config, load_config

REGION = load_config().region
ENV = "dev"
BUCKET = "jozi-pizza-dev-lake"
WORKGROUP = "jozi-pizza-dev"
ROLE_ARN = "arn:aws:iam::123456789012:role/jozi-pizza-dev-glue"
PASS_DEFINITION = {
    "StartAt": "ingest",
    "States": {
        "ingest": {"Type": "Pass", "Next": "bronze_to_silver"},
        "bronze_to_silver": {"Type": "Pass", "End": True},
    },
}


class _Commands:
    """The CLI's command functions as the CLI runs them, minus friendly_errors (``__wrapped__``)."""

    crawl = staticmethod(catalog.crawl.__wrapped__)  # type: ignore[attr-defined]
    tables = staticmethod(catalog.tables.__wrapped__)  # type: ignore[attr-defined]
    query = staticmethod(catalog.query.__wrapped__)  # type: ignore[attr-defined]
    create_views = staticmethod(catalog.create_views.__wrapped__)  # type: ignore[attr-defined]
    ingest = staticmethod(ingest.ingest.__wrapped__)  # type: ignore[attr-defined]
    run_job = staticmethod(jobs.run_job.__wrapped__)  # type: ignore[attr-defined]
    run_pipeline = staticmethod(pipeline.run_pipeline.__wrapped__)  # type: ignore[attr-defined]
    status = staticmethod(pipeline.status.__wrapped__)  # type: ignore[attr-defined]


cli = _Commands()


@dataclass
class FakeDeployment:
    """Names of the moto resources and a way to read what the commands printed."""

    outputs_file: Path
    values: dict[str, Any]
    buffer: io.StringIO

    @property
    def printed(self) -> str:
        return self.buffer.getvalue()

    def client(self, service: str) -> Any:
        return new_boto3_session(REGION).client(service)


def outputs_document(values: dict[str, Any]) -> dict[str, Any]:
    """The shape of ``terraform output -json``."""
    return {name: {"sensitive": False, "type": "dynamic", "value": value} for name, value in values.items()}


def create_lake_resources(region: str = REGION) -> dict[str, Any]:
    """What environments/dev creates, in small: bucket, databases, jobs, crawlers, workgroup, SFN, Lambda."""
    config = load_config()
    env = env_config(ENV)
    session = new_boto3_session(region)
    s3 = session.client("s3")
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": region})
    iam = session.client("iam")
    role = iam.create_role(RoleName="jozi-pizza-dev-glue", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    glue = session.client("glue")
    databases = {layer: env.database(layer) for layer in config.layers}
    crawlers = {}
    for layer, database in databases.items():
        glue.create_database(DatabaseInput={"Name": database})
        crawlers[layer] = f"jozi-pizza-dev-{layer}"
        glue.create_crawler(
            Name=crawlers[layer],
            Role=role,
            DatabaseName=database,
            Targets={"S3Targets": [{"Path": f"s3://{BUCKET}/{layer}/"}]},
        )
    crawlers["quarantine"] = "jozi-pizza-dev-quarantine"
    glue.create_crawler(
        Name=crawlers["quarantine"],
        Role=role,
        DatabaseName=databases["silver"],
        TablePrefix="quarantine_",
        Targets={"S3Targets": [{"Path": f"s3://{BUCKET}/quarantine/"}]},
    )
    jobs = {}
    for job in config.jobs:
        jobs[job] = f"jozi-pizza-dev-{job}"
        glue.create_job(
            Name=jobs[job],
            Role=role,
            Command={"Name": "glueetl", "ScriptLocation": f"s3://{BUCKET}/scripts/bootstrap/{job}.py"},
            DefaultArguments={"--lake_root": f"s3://{BUCKET}", "--env": ENV},
            GlueVersion="5.0",
            WorkerType="G.1X",
            NumberOfWorkers=2,
            ExecutionProperty={"MaxConcurrentRuns": 1},
        )
    athena = session.client("athena")
    athena.create_work_group(
        Name=WORKGROUP,
        Configuration={"ResultConfiguration": {"OutputLocation": f"s3://{BUCKET}/athena-results/"}},
        Tags=[{"Key": "project", "Value": "jozi-pizza"}],
    )
    sfn = session.client("stepfunctions")
    machine = sfn.create_state_machine(
        name="jozi-pizza-dev-pipeline", definition=json.dumps(PASS_DEFINITION), roleArn=role
    )["stateMachineArn"]
    lam = session.client("lambda")
    lam.create_function(
        FunctionName="jozi-pizza-dev-ingest",
        Runtime="python3.11",
        Role=role,
        Handler="handler.main",
        Code={"ZipFile": b"PK\x05\x06" + b"\x00" * 18},
    )
    # The landing trigger's queues (dev turns it on: lake.yaml environments.dev.landing_trigger).
    sqs = session.client("sqs")
    landing_queues = {
        name: sqs.create_queue(QueueName=f"jozi-pizza-dev-{name}")["QueueUrl"]
        for name in ("landing", "landing-dlq")
    }
    return {
        "bucket": BUCKET,
        "lake_root": f"s3://{BUCKET}",
        "landing_trigger": {
            "enabled": True,
            "function_name": "jozi-pizza-dev-landing-trigger",
            "queue_url": landing_queues["landing"],
            "dlq_url": landing_queues["landing-dlq"],
        },
        "databases": databases,
        "crawler_names": crawlers,
        "job_names": jobs,
        "state_machine_arn": machine,
        "athena_workgroup": WORKGROUP,
        "athena_price_per_tb_usd": 5,
        "ingest_function_name": "jozi-pizza-dev-ingest",
        "region": region,
    }


def make_repo(root: Path, extra: dict[str, str] | None = None) -> Path:
    """A miniature checkout: a jozi_lake package with a job, contracts, CLI and a DuckDB-only module."""
    files = {
        "src/jozi_lake/__init__.py": "",
        "src/jozi_lake/config.py": "import yaml\n",
        "src/jozi_lake/jobs/__init__.py": "",
        "src/jozi_lake/jobs/bronze_to_silver.py": "from jozi_lake.transforms import clean\n",
        "src/jozi_lake/transforms/__init__.py": "",
        "src/jozi_lake/transforms/clean.py": "from pyspark.sql import functions\nfrom . import helpers\n",
        "src/jozi_lake/transforms/helpers.py": "import json\n",
        "src/jozi_lake/contracts/silver/orders.yaml": "table: orders\n",
        "src/jozi_lake/cli/__init__.py": "import typer\n",
        "src/jozi_lake/aws/__init__.py": "",
        "src/jozi_lake/query/__init__.py": "",
        "src/jozi_lake/query/engine.py": "import duckdb\nimport sqlglot\n",
        "src/jozi_lake/query/__pycache__/engine.cpython-311.pyc": "junk",
        "glue_scripts/bronze_to_silver.py": "from jozi_lake.jobs.bronze_to_silver import main\n\nmain()\n",
        "glue_scripts/silver_to_gold.py": "import sys\nfrom jozi_lake.jobs import bronze_to_silver\n",
    }
    files.update(extra or {})
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root
