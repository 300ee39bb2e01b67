"""The batch configuration of the local clusters sparsedense starts (dask/_cluster.py)."""

from __future__ import annotations

import pytest

pytest.importorskip("distributed")

import dask  # noqa: E402

import sparsedense.dask as sdd  # noqa: E402


def test_batch_config_changes_known_settings_only():
    cfg = sdd.batch_config()
    assert cfg is not sdd.batch_config()  # a new dictionary each time
    for key, value in cfg.items():  # each one a setting distributed has (a renamed key fails)
        assert dask.config.get(key) != value, key
    assert "distributed.worker.memory.monitor-interval" not in cfg
