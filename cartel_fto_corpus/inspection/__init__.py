"""Inspect: look at the corpus as a whole: statistics, the datasheet's generated tables, inter-annotator
agreement, and the explorer (terminal and HTML views of an article). Imports the layers below it.
"""
