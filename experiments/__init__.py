"""The studies: benchmarks and experiments that measure the library through
its public API and write their pages, with provenance, into docs/results/
(one program a module, `python -m experiments.NAME`; helpers start with _).
"""
