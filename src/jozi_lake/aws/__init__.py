"""Operating a deployed lake (``--env dev|prod``) from the operator's machine.

Only the CLI uses this package; it is left out of the Glue code bundle. Entry points are in
:mod:`jozi_lake.aws.backend`; deployed names come from Terraform outputs (:mod:`jozi_lake.aws.outputs`).
"""
