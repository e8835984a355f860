"""The analyst policy grants exactly "query the lake's workgroup, read gold (silver by its switch)".

Read from the rendered environments and asked of the IAM evaluator request by request: what an analyst's
Athena query needs is allowed (the workgroup, the gold catalog entries and objects, the results location,
the lake key through S3 and Glue), and everything else a person could try is refused: bronze, quarantine,
landing, rejected, scripts, state, ops, reports and the Glue temp objects, another workgroup, catalog
writes, the key used directly. Keys come from jozi_lake.layout with the lake.yaml prefixes, names from
the rendered outputs, so a moved prefix or a renamed database is followed, not hard-coded.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from jozi_lake.config import load_config
from jozi_lake.layout import Layout
from jozi_lake.tooling import policy, rendered

pytestmark = pytest.mark.terraform

CLOSED_PREFIXES = (
    "bronze",
    "quarantine",
    "landing",
    "rejected",
    "scripts",
    "state",
    "ops",
    "reports",
    "glue_temp",
)


def analyst_document(state: rendered.Rendered) -> dict[str, Any]:
    (found,) = [p for p in state.policies("identity") if p.address.endswith("aws_iam_policy.analyst[0]")]
    return found.document


def layout() -> Layout:
    return Layout(load_config().prefixes)


def arns(state: rendered.Rendered) -> dict[str, str]:
    tail = f"{state.region}:{state.account_id}"
    return {
        "bucket": f"arn:aws:s3:::{state.outputs['bucket']}",
        "workgroup": f"arn:aws:athena:{tail}:workgroup/{state.outputs['athena_workgroup']}",
        "other_workgroup": f"arn:aws:athena:{tail}:workgroup/primary",
        "catalog": f"arn:aws:glue:{tail}:catalog",
        "key": str(state.outputs["kms_key_arn"]),
    }


def problems(state: rendered.Rendered, document: dict[str, Any], read_silver: bool) -> list[str]:
    """Where ``document`` differs from the analyst access the lake promises."""
    a = arns(state)
    lay = layout()
    bucket = a["bucket"]
    tail = f"{state.region}:{state.account_id}"
    databases = state.outputs["databases"]
    readable = ["gold", *(["silver"] if read_silver else [])]
    closed_layers = [layer for layer in ("bronze", "silver") if layer not in readable]
    s3_via = {"kms:ViaService": f"s3.{state.region}.amazonaws.com"}
    glue_via = {"kms:ViaService": f"glue.{state.region}.amazonaws.com"}
    results = lay.athena_results()

    must: list[tuple[str, str, dict[str, Any]]] = [
        ("athena:StartQueryExecution", a["workgroup"], {}),
        ("athena:GetQueryExecution", a["workgroup"], {}),
        ("athena:GetQueryResults", a["workgroup"], {}),
        ("athena:GetQueryResultsStream", a["workgroup"], {}),  # the JDBC driver's result streaming
        ("athena:StopQueryExecution", a["workgroup"], {}),
        ("athena:GetWorkGroup", a["workgroup"], {}),
        ("athena:ListTableMetadata", f"arn:aws:athena:{tail}:datacatalog/AwsDataCatalog", {}),
        ("s3:GetBucketLocation", bucket, {}),
        ("s3:ListBucket", bucket, {"s3:prefix": f"{results}some-query/"}),
        ("s3:PutObject", f"{bucket}/{results}0123-abcd.csv", {}),
        ("s3:GetObject", f"{bucket}/{results}0123-abcd.csv", {}),
        ("kms:GenerateDataKey", a["key"], s3_via),
        ("kms:Decrypt", a["key"], s3_via),
        ("kms:Decrypt", a["key"], glue_via),
    ]
    for layer in readable:
        table = f"{lay.table(layer, 'any_table')}run_date=2026-06-01/part-0.parquet"
        must += [
            ("s3:GetObject", f"{bucket}/{table}", {}),
            ("s3:ListBucket", bucket, {"s3:prefix": lay.table(layer, "any_table")}),
            ("glue:GetTable", f"arn:aws:glue:{tail}:table/{databases[layer]}/any_table", {}),
            ("glue:GetPartitions", f"arn:aws:glue:{tail}:table/{databases[layer]}/any_table", {}),
            ("glue:GetDatabase", f"arn:aws:glue:{tail}:database/{databases[layer]}", {}),
            ("glue:GetDatabase", a["catalog"], {}),
        ]
    never: list[tuple[str, str, dict[str, Any]]] = [
        ("athena:StartQueryExecution", a["other_workgroup"], {}),
        ("athena:GetQueryResults", a["other_workgroup"], {}),
        ("athena:CreateWorkGroup", a["other_workgroup"], {}),
        ("athena:UpdateWorkGroup", a["workgroup"], {}),
        ("s3:PutObject", f"{bucket}/{lay.gold_table('any_table')}x.parquet", {}),
        ("s3:DeleteObject", f"{bucket}/{lay.gold_table('any_table')}x.parquet", {}),
        ("s3:DeleteObject", f"{bucket}/{results}0123-abcd.csv", {}),
        ("s3:ListBucket", bucket, {}),  # listing the whole bucket shows every prefix's key names
        ("kms:Decrypt", a["key"], {}),  # the key directly, outside S3 and Glue
        ("kms:Decrypt", a["key"], {"kms:ViaService": f"secretsmanager.{state.region}.amazonaws.com"}),
        ("glue:CreateTable", f"arn:aws:glue:{tail}:table/{databases['gold']}/t", {}),
        ("glue:DeleteTable", f"arn:aws:glue:{tail}:table/{databases['gold']}/t", {}),
        ("secretsmanager:GetSecretValue", "*", {}),
    ]
    for name in CLOSED_PREFIXES:
        key = f"{lay.prefix(name)}any/file.json"
        never += [
            ("s3:GetObject", f"{bucket}/{key}", {}),
            ("s3:ListBucket", bucket, {"s3:prefix": lay.prefix(name)}),
        ]
    for layer in closed_layers:
        never += [
            ("s3:GetObject", f"{bucket}/{lay.table(layer, 'orders')}x.parquet", {}),
            ("glue:GetTable", f"arn:aws:glue:{tail}:table/{databases[layer]}/orders", {}),
        ]
    for name in ("quarantine", "ops"):
        if name in databases:
            never.append(("glue:GetTable", f"arn:aws:glue:{tail}:table/{databases[name]}/any", {}))

    found = []
    for action, resource, context in must:
        if not policy.allows(document, action, resource, context):
            found.append(f"missing: {action} on {resource} {context or ''}")
    for action, resource, context in never:
        if policy.allows(document, action, resource, context):
            found.append(f"too much: {action} on {resource} {context or ''}")
    return found


def test_the_analyst_policy_grants_exactly_analyst_access(
    rendered_envs: dict[str, rendered.Rendered],
) -> None:
    read_silver = bool((load_config().raw.get("analyst_access") or {}).get("read_silver", False))
    for env, state in rendered_envs.items():
        found = problems(state, analyst_document(state), read_silver)
        assert not found, f"{env}: " + "\n".join(found)
        assert state.outputs["analyst_policy_arn"], env


def test_no_analyst_role_unless_principals_are_given(rendered_envs: dict[str, rendered.Rendered]) -> None:
    for env, state in rendered_envs.items():
        assert not [
            r for r in state.of_type("aws_iam_role") if r.address.endswith("aws_iam_role.analyst[0]")
        ], env


def test_the_check_refuses_bronze_another_workgroup_and_a_lost_grant(dev: rendered.Rendered) -> None:
    document = analyst_document(dev)
    lay = layout()
    opened = copy.deepcopy(document)
    for statement in opened["Statement"]:
        if statement["Sid"] == "ReadReadableLayersObjects":
            statement["Resource"].append(f"arn:aws:s3:::{dev.outputs['bucket']}/{lay.prefix('bronze')}*")
        if statement["Sid"] == "QueryInTheLakeWorkgroup":
            statement["Resource"] = [r.rsplit("/", 1)[0] + "/*" for r in statement["Resource"]]
    found = problems(dev, opened, read_silver=False)
    assert any("too much: s3:GetObject" in p and "/bronze/" in p for p in found), found
    assert any("too much: athena:StartQueryExecution" in p and "workgroup/primary" in p for p in found), found

    closed = copy.deepcopy(document)
    closed["Statement"] = [s for s in closed["Statement"] if s["Sid"] != "WriteAndReadQueryResults"]
    assert any("missing: s3:PutObject" in p for p in problems(dev, closed, read_silver=False))
    # silver is closed unless the switch opens it: the same policy misses silver once silver is expected.
    assert any("missing: s3:GetObject" in p and "/silver/" in p for p in problems(dev, document, True))
