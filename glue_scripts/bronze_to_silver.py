"""AWS Glue 5.0 entry script: bronze_to_silver (also runs locally with --env local).

Thin on purpose: everything lives in the jozi_lake package shipped with --extra-py-files.
Arguments: --lake_root --tables --run_id --env (lake.yaml job_arguments).
"""

from jozi_lake.jobs.glue_adapter import main

if __name__ == "__main__":
    main("bronze_to_silver")
