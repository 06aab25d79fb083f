"""`labelstudio.serving`: the steps of `ls serve` / `ls stop` that need no server (the real server's
run is tests/labelstudio/test_server.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cartel_fto_corpus.labelstudio import server as srv
from cartel_fto_corpus.labelstudio.serving import DEFAULT_DATA_DIR, check_annotator, server_data_dir, stop_local


def test_an_annotator_gets_their_own_data_dir_unless_one_is_given(tmp_path: Path) -> None:
    assert server_data_dir(tmp_path, DEFAULT_DATA_DIR, None) == DEFAULT_DATA_DIR
    assert server_data_dir(tmp_path, DEFAULT_DATA_DIR, "anna") == srv.annotator_data_dir(tmp_path, "anna")
    assert server_data_dir(tmp_path, tmp_path / "mine", "anna") == tmp_path / "mine"


def test_an_annotator_id_must_be_one_the_converter_gives() -> None:
    check_annotator("anna.b-2")
    with pytest.raises(srv.ServerError, match=r"--annotator: expected an annotator id .*found 'Anna B'"):
        check_annotator("Anna B")


def test_stopping_a_data_dir_without_a_running_server_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(srv.ServerError) as err:
        stop_local(tmp_path / "server", None)
    assert str(err.value) == f"no running server recorded in {tmp_path / 'server' / srv.PID_FILE}"
