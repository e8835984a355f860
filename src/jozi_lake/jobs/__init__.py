"""The Glue jobs' orchestration (what runs on Glue and locally): reading bronze batches, publishing
silver and gold, run reports and job state. Transforms themselves live in :mod:`jozi_lake.transforms`."""
