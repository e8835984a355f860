"""Settings that change what a job writes are pinned, so Glue and the laptop agree whatever their defaults.

``spark.sql.ansi.enabled``: Spark 3.5 (Glue 5.0, local pyspark) defaults to false, Spark 4 (a future Glue) to
true, where a bad cast or an overflow raises instead of giving NULL. The silver parsers are written for
NULL-on-bad-value (a value that does not parse is quarantined row by row, never a failed job), so the pin
keeps a platform upgrade from turning bad source values into job failures.
"""

from __future__ import annotations

from typing import Any

import pytest

from jozi_lake.errors import LakeError
from jozi_lake.jobs.spark import (
    CODEGEN_ENV_VAR,
    CODEGEN_OFF_CONF,
    JIT_ENV_VAR,
    LOCAL_CONF,
    QUICK_JIT_OPTION,
    RESULT_AFFECTING_CONF,
    apply_result_conf,
    local_conf,
)

pytestmark = pytest.mark.spark


def test_ansi_mode_is_pinned_off_with_the_other_result_settings() -> None:
    assert RESULT_AFFECTING_CONF["spark.sql.ansi.enabled"] == "false"


def test_a_session_with_ansi_on_parses_bad_values_to_null_once_the_conf_is_applied(spark: Any) -> None:
    """What Glue hands a job (its platform default) is overridden by the entry script's apply_result_conf."""
    previous = spark.conf.get("spark.sql.ansi.enabled")
    try:
        spark.conf.set("spark.sql.ansi.enabled", "true")  # Spark 4's default
        with pytest.raises(Exception, match=r"CAST_INVALID_INPUT|cannot be cast|invalid input"):
            spark.sql("SELECT CAST('not a number' AS INT) AS n").collect()
        apply_result_conf(spark)
        (row,) = spark.sql("SELECT CAST('not a number' AS INT) AS n, 2147483647 + 1 AS overflow").collect()
        assert row.n is None
        assert row.overflow == -2147483648  # legacy arithmetic, as the jobs were tested with
    finally:
        spark.conf.set("spark.sql.ansi.enabled", previous)


def test_codegen_is_a_local_speed_setting_with_a_clear_error_for_a_typo(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """LAKE_SPARK_CODEGEN only adds the two codegen settings; it never touches a result-affecting one."""
    monkeypatch.delenv(JIT_ENV_VAR, raising=False)
    monkeypatch.setenv(CODEGEN_ENV_VAR, "off")
    off = local_conf()
    assert {k: off[k] for k in CODEGEN_OFF_CONF} == CODEGEN_OFF_CONF
    assert not set(CODEGEN_OFF_CONF) & set(RESULT_AFFECTING_CONF)
    monkeypatch.setenv(CODEGEN_ENV_VAR, "on")
    assert local_conf() == LOCAL_CONF
    monkeypatch.delenv(CODEGEN_ENV_VAR)
    assert local_conf() == LOCAL_CONF
    monkeypatch.setenv(CODEGEN_ENV_VAR, "no")
    with pytest.raises(
        LakeError, match=r"LAKE_SPARK_CODEGEN='no' is not a setting.*'on' \(the default\) or 'off'"
    ):
        local_conf()


def test_the_quick_jit_only_adds_its_option_to_the_driver_java_options(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(CODEGEN_ENV_VAR, "on")
    monkeypatch.setenv(JIT_ENV_VAR, "quick")
    quick = local_conf()
    options = "spark.driver.extraJavaOptions"
    assert quick[options] == f"{LOCAL_CONF[options]} {QUICK_JIT_OPTION}"
    assert {k: v for k, v in quick.items() if k != options} == {
        k: v for k, v in LOCAL_CONF.items() if k != options
    }
    monkeypatch.setenv(JIT_ENV_VAR, "full")
    assert local_conf() == LOCAL_CONF
    monkeypatch.setenv(JIT_ENV_VAR, "c1")
    with pytest.raises(
        LakeError, match=r"LAKE_SPARK_JIT='c1' is not a setting.*'full' \(the default\) or 'quick'"
    ):
        local_conf()


def test_the_session_runs_with_the_codegen_setting_in_effect(spark: Any) -> None:
    """The suite's speed rests on the session honouring LAKE_SPARK_CODEGEN (conftest.py sets it off
    unless the caller chose): if a change dropped it the suite would only be slower, so check it here."""
    expected = {"spark.sql.codegen.wholeStage": "true", "spark.sql.codegen.factoryMode": "FALLBACK"}
    expected.update({k: v for k, v in local_conf().items() if k in CODEGEN_OFF_CONF})
    assert {k: spark.conf.get(k) for k in expected} == expected
