"""Seeded generators of simulated data, each with its known true effect.

Simulation is used only where unit-level data is not public, or to show a
method failing on data whose truth is known. Every generator takes ``seed=``
and returns the same frame, to the byte, for the same arguments; the true
effect travels with the data in ``frame.attrs["true_effect"]`` (and, where it
varies, in a column), so a page can print it beside the estimate.

One submodule per design: :mod:`evaluation.simulate.did`, ...
"""
