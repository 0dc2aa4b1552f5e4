"""Figures that do not grow with the data, and compressed NetCDF outputs."""

from __future__ import annotations

import numpy as np
import xarray as xr

from adexmf.figures.meanfield import plot_time_course
from adexmf.figures.style import band_envelope, envelope
from adexmf.netcdf import write_netcdf


def test_envelope_keeps_every_column_extreme_in_time_order():
    rng = np.random.default_rng(0)
    t = np.arange(100_003) * 1e-4
    y = np.cumsum(rng.normal(size=t.size))
    tr, yr = envelope(t, y, columns=500)
    assert tr.size <= 1000 and np.all(np.diff(tr) >= 0)
    chunk = -(-t.size // 500)
    for k in (0, 137, (t.size - 1) // chunk):
        block = y[k * chunk : (k + 1) * chunk]
        inside = (tr >= t[k * chunk]) & (tr <= t[min((k + 1) * chunk, t.size) - 1])
        assert yr[inside].min() == block.min() and yr[inside].max() == block.max()
    assert yr.min() == y.min() and yr.max() == y.max()
    short_t, short_y = envelope(t[:800], y[:800], columns=500)
    assert short_t.size == 800 and np.array_equal(short_y, y[:800])


def test_band_envelope_covers_the_band():
    t = np.linspace(0, 1, 50_000)
    lo, hi = np.sin(40 * t) - 1, np.sin(40 * t) + 1
    tb, lb, hb = band_envelope(t, lo, hi, columns=100)
    assert tb.size == 100 and lb.min() == lo.min() and hb.max() == hi.max()
    assert np.all(lb <= hb)


def _long_run(n: int) -> xr.Dataset:
    t = np.arange(n) * 1e-4
    rate = 3 + np.sin(2 * np.pi * 10 * t)[:, None] * np.array([1.0, 2.0])
    return xr.Dataset(
        {"rate": (("time", "population"), rate),
         "rate_std": (("time", "population"), 0.1 + 0 * rate),
         "afferent": ("time", np.sin(t)), "drive": ("time", 4 + 0 * t)},
        coords={"time": t, "population": ["exc", "inh"]},
    )  # fmt: skip


def test_a_long_run_gives_a_small_figure(tmp_path):
    """510,000 samples (51 s at 0.1 ms) draw a figure no bigger than 2,000 columns do."""
    long_svg = plot_time_course(_long_run(510_001), tmp_path / "long.png", title="x")[1]
    short_svg = plot_time_course(_long_run(4_000), tmp_path / "short.png", title="x")[1]
    assert long_svg.stat().st_size < 1.5 * short_svg.stat().st_size + 100_000
    assert long_svg.stat().st_size < 1_000_000


def test_netcdf_is_compressed_and_exact(tmp_path):
    ds = _long_run(200_000)
    path = write_netcdf(ds, tmp_path / "run.nc")
    assert path.stat().st_size < 0.5 * ds.nbytes
    with xr.open_dataset(path) as back:
        xr.testing.assert_identical(back.load(), ds)


def test_envelope_reads_blocks_in_place_as_the_padded_blocks_would():
    """The NaN-free path (whole blocks as a view, the short last block apart) picks the same
    samples as the padded blocks of the general path, ties and infinities included."""
    from adexmf.figures.style import _chunks

    rng = np.random.default_rng(3)
    for n in (4_001, 6_000, 99_999):
        t = np.arange(n) * 1e-4
        y = np.round(rng.normal(size=n))  # many ties
        y[n // 3], y[n // 2] = np.inf, -np.inf
        blocks, chunk = _chunks(y, 2000)
        lo, hi = np.argmin(blocks, axis=1), np.argmax(blocks, axis=1)
        base = np.arange(blocks.shape[0]) * chunk
        idx = np.stack([base + np.minimum(lo, hi), base + np.maximum(lo, hi)], axis=1).ravel()
        tr, yr = envelope(t, y)
        assert np.array_equal(tr, t[idx]) and np.array_equal(yr, y[idx])
        tb, lb, hb = band_envelope(t, y - 1, y + 1)
        assert np.array_equal(lb, blocks.min(axis=1) - 1)
        assert np.array_equal(hb, blocks.max(axis=1) + 1)
        assert np.array_equal(tb, t[base])


def test_float_series_can_be_stored_plain_and_exact(tmp_path):
    """``compress_floats=False`` stores the float series plain (contiguous), keeps integer
    data compressed, and reads back the same values; compressed variables are chunked by
    about 1 MiB along their first dimension."""
    import h5py

    ds = _long_run(200_000).assign(spike=("spike", np.arange(5_000)))
    plain = write_netcdf(ds, tmp_path / "plain.nc", compress_floats=False)
    packed = write_netcdf(ds, tmp_path / "packed.nc")
    with h5py.File(plain) as f:
        assert f["rate"].compression is None and f["rate"].chunks is None
        assert f["spike"].compression == "gzip"
    with h5py.File(packed) as f:
        assert f["rate"].compression == "gzip" and f["rate"].chunks == (65_536, 2)
        assert f["afferent"].chunks == (131_072,)
    assert plain.stat().st_size > 0.95 * ds.nbytes > 2 * packed.stat().st_size
    for path in (plain, packed):
        with xr.open_dataset(path) as back:
            xr.testing.assert_identical(back.load(), ds)


def test_compress_option_changes_the_size_not_the_numbers(tmp_path):
    """``mf run`` and ``ring run`` store their float series plain by default and compressed
    with --compress: the same Dataset either way."""
    from typer.testing import CliRunner

    from adexmf.cli import app

    runs = {
        "mf": ["mf", "run", "--duration", "300ms", "--stimulus", "sinusoid:A=2Hz,f=10Hz,t0=100ms",
               "--no-figure"],
        "ring": ["ring", "run", "--n-units", "30", "--duration", "300ms", "--no-figure"],
    }  # fmt: skip
    for name, args in runs.items():
        files = {}
        for flag in ("--no-compress", "--compress"):
            out = tmp_path / f"{name}{flag}.nc"
            result = CliRunner().invoke(app, [*args, flag, "--out", str(out)])
            assert result.exit_code == 0, result.output
            files[flag] = out
        assert files["--compress"].stat().st_size < 0.8 * files["--no-compress"].stat().st_size
        plain, packed = (xr.load_dataset(files[f]) for f in ("--no-compress", "--compress"))
        for ds in (plain, packed):
            ds.attrs.pop("created")
        xr.testing.assert_identical(plain, packed)
