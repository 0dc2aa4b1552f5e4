"""The output layer (adexmf.store): checks, atomic writes, temporaries, clear read errors."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from adexmf.errors import InputFileError, OutputError
from adexmf.netcdf import json_attr, read_netcdf, write_netcdf
from adexmf.store import (
    atomic_path,
    check_destination,
    check_folder,
    read_text,
    remove_stale_temporaries,
    temporary_path,
    write_npz,
    write_text,
)

DEAD_PID = 2**22 + 4321  # above the default pid_max


def test_check_destination_accepts_a_new_file_in_a_new_folder(tmp_path):
    target = tmp_path / "a" / "b" / "x.nc"
    assert check_destination(target, suffixes=(".nc",)) == target
    assert not (tmp_path / "a").exists()  # nothing created
    assert list(tmp_path.iterdir()) == []  # the probe is gone


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda t: (t / "f").write_text("x") and t / "f" / "x.nc", "is a file, not a folder"),
        (lambda t: (t / "d.nc").mkdir() or t / "d.nc", "is an existing directory"),
        (lambda t: Path("/dev/null"), "not a regular file"),
        (lambda t: Path("/proc/adexmf-x/y.nc"), "cannot write"),
        (lambda t: t / "x.txt", "must be a NetCDF file ending in .nc"),
    ],
)
def test_check_destination_refuses(tmp_path, make, message):
    with pytest.raises(OutputError, match=message):
        check_destination(make(tmp_path), option="--out", suffixes=(".nc", ""))
    if message.startswith("must"):
        with pytest.raises(OutputError, match=message):
            check_destination(make(tmp_path), suffixes=(".nc",))


def test_check_folder_refuses_a_file(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(OutputError, match="--out '.*f' is a file, not a folder"):
        check_folder(tmp_path / "f", option="--out")


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores chmod")
def test_read_only_folder(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        with pytest.raises(OutputError, match="permission denied"):
            check_destination(ro / "x.nc")
    finally:
        ro.chmod(0o755)


@pytest.mark.parametrize("error", [KeyboardInterrupt, RuntimeError, OSError])
def test_atomic_write_leaves_nothing_on_failure(tmp_path, error):
    target = tmp_path / "x.txt"
    target.write_text("old")
    with pytest.raises((error, OutputError)):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise error("boom")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.txt"]


def test_writers_round_trip(tmp_path):
    ds = xr.Dataset({"a": ("x", np.arange(3.0), {"units": "1"})})
    write_netcdf(ds, tmp_path / "d.nc")
    assert read_netcdf(tmp_path / "d.nc").a.values.tolist() == [0.0, 1.0, 2.0]
    write_text("é = 1\n", tmp_path / "t.toml")
    assert read_text(tmp_path / "t.toml") == "é = 1\n"
    write_npz(tmp_path / "c.npz", {"r": np.ones(2)})
    with np.load(tmp_path / "c.npz") as f:
        assert f["r"].tolist() == [1.0, 1.0]
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_stale_temporaries(tmp_path):
    stale = tmp_path / f".x.nc.{DEAD_PID}.tmp"
    mine = temporary_path(tmp_path / "y.nc")
    alive = tmp_path / f".z.nc.{os.getppid()}.tmp"
    other = tmp_path / ".notes.tmp"
    for p in (stale, mine, alive, other):
        p.write_text("x")
    assert remove_stale_temporaries(tmp_path) == [stale]
    old = os.path.getmtime(alive) - 2 * 86400
    os.utime(alive, (old, old))
    assert remove_stale_temporaries(tmp_path) == [alive]
    assert mine.exists() and other.exists()


def test_a_write_cleans_its_folder(tmp_path):
    stale = tmp_path / f".x.nc.{DEAD_PID}.tmp"
    stale.write_text("x")
    write_text("a", tmp_path / "a.txt")
    assert not stale.exists()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda t: t / "missing.nc", "does not exist"),
        (lambda t: t, "is a directory"),
        (lambda t: Path("/dev/null"), "not a regular file"),
        (lambda t: (t / "e.nc").write_bytes(b"") or t / "e.nc", "cannot be read as NetCDF"),
    ],
)
def test_read_netcdf_errors_name_the_file(tmp_path, make, message):
    path = make(tmp_path)
    with pytest.raises(InputFileError, match=message) as info:
        read_netcdf(path, what="--data")
    assert str(path) in str(info.value)


def test_read_text_reports_the_bad_byte(tmp_path):
    p = tmp_path / "x.toml"
    p.write_bytes(b"a = 1\nb = '\xff'\n")
    with pytest.raises(InputFileError, match="byte 0xff at line 2, column 6"):
        read_text(p)


def test_json_attr():
    ds = xr.Dataset(attrs={"ok": '{"a": 1}', "bad": "{"})
    assert json_attr(ds, "ok") == {"a": 1}
    with pytest.raises(InputFileError, match="'bad' is not valid JSON"):
        json_attr(ds, "bad")
    with pytest.raises(InputFileError, match="no attribute 'none'"):
        json_attr(ds, "none")
