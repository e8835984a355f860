"""``lake status`` for the local lake: row counts per catalogued table and the latest job reports.

Row counts come from the catalogued tables through the same DuckDB engine analysts use (Parquet
footers make ``count(*)`` cheap), so status shows what a query would see, not what a job claimed.
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from jozi_lake.config import EnvConfig, load_config
from jozi_lake.storage import store_for_env


def local_status(env: EnvConfig, console: Console) -> None:
    from jozi_lake.catalog import LocalCatalog
    from jozi_lake.cli.render import report_table
    from jozi_lake.jobs.report import JobReport, latest_reports
    from jozi_lake.query import run_query

    catalog = LocalCatalog.for_env(env)
    counts = Table(title="Catalogued tables", title_justify="left")
    for column, justify in (("layer", "left"), ("table", "left"), ("partitions", "right"), ("rows", "right")):
        counts.add_column(column, justify=justify)  # type: ignore[arg-type]
    for layer in load_config().layers:
        database = env.database(layer)
        for name in catalog.list_tables(database):
            if layer == "bronze":
                rows = "[dim]raw[/]"  # counting raw JSON means reading it all; the ingest manifests say it
            else:
                result = run_query(env, sql=f"SELECT count(*) FROM {layer}.{name}", catalog=catalog)
                rows = f"{result.rows[0][0]:,}"
            counts.add_row(layer, name, str(len(catalog.get_partitions(database, name))), rows)
    console.print(counts)
    reports = [JobReport.from_dict(raw) for raw in latest_reports(store_for_env(env), 2)]
    if reports:
        console.print(report_table(reports, title="Latest job runs"))
