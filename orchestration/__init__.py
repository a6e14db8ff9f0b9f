"""Dagster orchestration of the budgetqa stages (assets call budgetqa.jobs; see definitions.py)."""
