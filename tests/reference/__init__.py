"""Published and reference-implementation values the tests check against, one module a source.

Kept as statsmodels keeps its ``results/`` modules: each module cites its source in full,
holds the numbers as named constants and, where a program produced them, the program as
``SCRIPT``. See README.md in this folder for the list.
"""
