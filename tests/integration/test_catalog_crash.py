"""A crash at any point of a write leaves either the old or the new catalog, never a mix."""

from __future__ import annotations

import os

import pytest

from sapphire.data import catalog_txn
from sapphire.data.catalog import Catalog

from ..unit.data.catalog_helpers import BTC, DAY, quotes, tree_digest


class CrashError(Exception):
    pass


@pytest.fixture
def catalog(tmp_path):
    store = Catalog(tmp_path / "cat")
    store.add_instrument(BTC)
    store.write("quotes", BTC.id, quotes([1, 2]))
    return store


def test_crash_before_the_manifest_changes_nothing(catalog, monkeypatch):
    before = tree_digest(catalog.root)

    def crash(*args, **kwargs):
        raise CrashError

    monkeypatch.setattr(catalog_txn, "write_atomically", crash)
    with pytest.raises(CrashError), catalog.transaction() as txn:
        txn.write("quotes", BTC.id, quotes([3, DAY + 1]))
    monkeypatch.undo()
    assert tree_digest(catalog.root) == before


def test_crash_after_the_manifest_rolls_forward_on_open(catalog, monkeypatch):
    real_replace = os.replace
    moves = []

    def crash_on_second_move(source, target):
        moves.append(target)
        if len(moves) == 2:
            raise CrashError
        real_replace(source, target)

    monkeypatch.setattr(catalog_txn.os, "replace", crash_on_second_move)
    with pytest.raises(CrashError):
        txn = catalog.transaction()
        txn.write("quotes", BTC.id, quotes([3]))
        txn.write("quotes", BTC.id, quotes([DAY + 1]))
        txn.commit()
    monkeypatch.undo()
    txn._lock.close()  # the crashed process would have released it by dying
    assert len(list((catalog.root / ".txn").glob("*.commit"))) == 1
    reopened = Catalog(catalog.root)
    assert reopened.query("quotes", BTC.id).column("ts_event").to_pylist() == [1, 2, 3, DAY + 1]
    assert not list((catalog.root / ".txn").glob("*.commit"))


def test_uncommitted_staging_is_swept_on_open(catalog):
    txn = catalog.transaction()
    txn.write("quotes", BTC.id, quotes([3]))
    staged = list((catalog.root / ".txn").iterdir())
    assert any(p.is_dir() for p in staged)
    txn._lock.close()  # simulate the writing process dying
    Catalog(catalog.root)
    assert not [p for p in (catalog.root / ".txn").iterdir() if p.is_dir()]
    assert Catalog(catalog.root).query("quotes", BTC.id).num_rows == 2
