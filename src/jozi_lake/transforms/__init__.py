"""Transforms: plain functions from DataFrames to DataFrames, shared by the Glue jobs and local runs.

Nothing here touches storage, job state or Glue: the jobs in :mod:`jozi_lake.jobs` read, call these,
and publish. That keeps each step testable on a tiny hand-made frame with the session Spark.
"""
