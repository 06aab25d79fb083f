"""Ground truth: where the corpus lives, its exact texts and their computed facts (manifest), code-point
offsets, the JSON Schemas, and safe file I/O (JSON reading that never raises a traceback, atomic
writes). Everything else in the package stands on this layer; it imports nothing above it.
"""
