"""Guidance for a new review.

Which design fits (the decision guide) and a review notebook scaffold.
"""
