"""The four services and market stewardship: panel builders and content tables.

Each module turns the registry's tidy frames into the panels and tables a
chapter analyses (care, schools, probation, employment) or holds a checklist
(stewardship). Estimators live in the method modules, not here.
"""
