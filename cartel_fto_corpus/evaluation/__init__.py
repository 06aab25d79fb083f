"""The benchmark: official tasks, their scorer with bootstrap intervals, prediction checks, baselines.

Sits above `publish` (it reads the corpus through the same row builders as the Parquet configs) and
below `inspection`, `labelstudio` and `cli`. The task table lives once, in `tasks.py`.
"""
