"""checks/schema_check.py below the fixtures: tests that kill survivors of the mutation run (issue 26)."""
