"""Build tooling (never shipped): the code bundles for Glue and Lambda."""
