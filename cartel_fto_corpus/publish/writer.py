"""Parquet writing: rows of one config and split streamed into size-bounded, deterministic shards."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from cartel_fto_corpus.publish.features import add_label_names, base_features, features
from cartel_fto_corpus.publish.layout import shard_name

#: Arrow bytes per Parquet shard before the next shard starts (the Hub converts to ~500 MB shards).
MAX_SHARD_BYTES = 256 * 2**20
#: Buffered rows become a row group at this many (approximate) bytes or rows.
ROW_GROUP_BYTES = 8 * 2**20
ROW_GROUP_ROWS = 10_000
#: Fixed writer options: part of what makes two builds byte-identical.
PARQUET_OPTIONS: dict[str, Any] = {
    "compression": "zstd",
    "compression_level": 9,
    "use_dictionary": True,
    "write_statistics": True,
    "version": "2.6",
    "data_page_version": "1.0",
}


def _approx_bytes(value: Any) -> int:
    if isinstance(value, str):
        return len(value) + 8
    if isinstance(value, dict):
        return sum(_approx_bytes(v) for v in value.values())
    if isinstance(value, list):
        return sum(_approx_bytes(v) for v in value) + 8
    return 8


@dataclass
class ConfigWriter:
    """Streams the rows of one config and split into Parquet shards in a staging folder."""

    config: str
    split: str
    folder: Path
    max_shard_bytes: int = MAX_SHARD_BYTES
    rows: int = 0
    first_row: dict[str, Any] | None = None
    _buffer: list[dict[str, Any]] = field(default_factory=list)
    _buffered: int = 0
    _parts: list[Path] = field(default_factory=list)
    _writer: pq.ParquetWriter | None = None
    _shard_bytes: int = 0

    def __post_init__(self) -> None:
        self.features = features(self.config)
        self.base = base_features(self.config)
        self.schema = self.features.arrow_schema
        self.folder.mkdir(parents=True, exist_ok=True)

    def add(self, row: dict[str, Any]) -> None:
        row = add_label_names(row, self.base)
        if self.first_row is None:
            self.first_row = row
        encoded = self.features.encode_example(row)
        self._buffer.append(encoded)
        self._buffered += _approx_bytes(encoded)
        self.rows += 1
        if self._buffered >= min(ROW_GROUP_BYTES, self.max_shard_bytes) or len(self._buffer) >= ROW_GROUP_ROWS:
            self._flush()

    def _flush(self) -> None:
        if not self._buffer:
            return
        table = pa.Table.from_pylist(self._buffer, schema=self.schema)
        self._buffer, self._buffered = [], 0
        if self._writer is None:
            self._parts.append(self.folder / f"{self.split}.{len(self._parts)}.part")
            self._writer = pq.ParquetWriter(self._parts[-1], self.schema, **PARQUET_OPTIONS)
        self._writer.write_table(table, row_group_size=table.num_rows)
        self._shard_bytes += table.nbytes
        if self._shard_bytes >= self.max_shard_bytes:
            self._writer.close()
            self._writer, self._shard_bytes = None, 0

    def close(self) -> list[Path]:
        """Finish the last shard and give every shard its final `<split>-i-of-n` name."""
        self._flush()
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        if not self._parts:  # an empty config still has a file, so every config loads
            self._parts.append(self.folder / f"{self.split}.0.part")
            pq.write_table(self.schema.empty_table(), self._parts[-1], **PARQUET_OPTIONS)
        n = len(self._parts)
        return [part.rename(self.folder / shard_name(self.split, i, n)) for i, part in enumerate(self._parts)]
