"""Reporting: the house style for figures and the helpers chapters use for tables."""
