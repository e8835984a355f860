"""The demo world: Jozi Pizza Co.'s simulated store (data generator, fixture API, ``lake demo``).

It stands in for a company's real systems so the lake can be tried with no account and no data. The
runtime never imports it (the Glue and Lambda bundlers refuse to): the lake treats the fixture API as
one configured source among others.
"""
