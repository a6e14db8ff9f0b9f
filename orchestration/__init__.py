"""Composition of the stages: the product's jobs as plain functions (orchestration.jobs, called by the
`budgetqa` command line and by Dagster) and the Dagster assets, resources and schedule (assets.py,
resources.py, definitions.py). Importing this package does not import Dagster."""
