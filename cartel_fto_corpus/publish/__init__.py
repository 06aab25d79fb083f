"""Publish: turn checked texts and annotations into what researchers load: row builders per config,
Features, the tokenizer, the Parquet writer, the published layout (shard names, digests), the dataset
card, Croissant metadata and the package's own loader. Imports the checks and ground-truth layers.
"""
