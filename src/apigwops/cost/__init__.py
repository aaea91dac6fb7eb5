"""Monthly cost of an API Gateway deployment, per usage-plan tier and per component.

The core is plain Python: `catalog` loads the dated price snapshot (or a Price List refresh from the user's
cache), `scenario` turns a YAML file into a `Usage`, `estimator.estimate` prices it, `allocation` shares the
account-level total back to usage-plan tiers, `compare` sets REST against HTTP. Nothing here imports typer
or rich; `cost.document` makes the JSON documents and `apigwops.render.cost` the tables.
"""
