"""truth/texts.py below the fixtures: tests that kill survivors of the mutation run (issue 26)."""
