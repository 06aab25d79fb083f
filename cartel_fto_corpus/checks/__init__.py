"""Checks: is the data right? The schema verdict, the semantic checks no schema can express, and the
reports (text, JSON, GitHub annotations). Problems are values with a file, a JSON pointer and a
message, collected over all files. Imports only the ground-truth layer.
"""
