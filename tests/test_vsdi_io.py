"""Reading the VSDI recordings (adexmf.vsdi.io): the ten reference files of ../shared/data/vsdi/,
the file-name rule, and clear errors for damaged or foreign files."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest
import scipy.io

from adexmf.errors import DataWarning, InputFileError
from adexmf.netcdf import read_netcdf, write_netcdf
from adexmf.vsdi import load_recording, parse_file_name

#: Read-only reference data beside the repository.
VSDI = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "vsdi"

FILES = {
    "Monkey1": [
        "matx2_wa071017b_NL_up_1050.mat",
        "matx2_wa071017c_NL_up_1050.mat",
        "matx2_wa071130_NL_up_1020.mat",
        "matx2_wa080208_NL_up_10050.mat",
        "matx2_wa080507_NL_up_100100.mat",
        "matx2_wa080507_NL_up_5050.mat",
    ],
    "Monkey2": [
        "matx2_br131023_NL_up_5020.mat",
        "matx2_br140206_NL_up_10100.mat",
        "matx2_br140206_NL_up_50100.mat",
        "matx2_br140220_NL_up_50100.mat",
    ],
}
ALL = [(monkey, name) for monkey, names in FILES.items() for name in names]
VARIABLES = ("stim1", "stim2", "both", "nonlinearity")


def _real(monkey: str, name: str) -> Path:
    """The recording in ../shared/data, else (for the one the package ships) the package's
    copy, so that a checkout without the shared data still reads a real recording."""
    from adexmf.workflows.vsdi import example_recording

    path = VSDI / monkey / name
    if not path.exists() and example_recording().name == name:
        return example_recording()
    if not path.exists():
        pytest.skip(f"VSDI recording {path} not available (the package ships only "
                    f"{example_recording().name})")  # fmt: skip
    return path


# --------------------------------------------------------------------------- file names
@pytest.mark.parametrize(
    ("name", "session", "monkey", "duration_s", "second_ms"),
    [
        ("matx2_wa071017b_NL_up_1050.mat", "wa071017b", "Monkey1", 0.01, 50),
        ("matx2_wa071130_NL_up_1020.mat", "wa071130", "Monkey1", 0.01, 20),
        ("matx2_wa080208_NL_up_10050.mat", "wa080208", "Monkey1", 0.1, 50),
        ("matx2_wa080507_NL_up_100100.mat", "wa080507", "Monkey1", 0.1, 100),
        ("matx2_wa080507_NL_up_5050.mat", "wa080507", "Monkey1", 0.05, 50),
        ("matx2_br131023_NL_up_5020.mat", "br131023", "Monkey2", 0.05, 20),
        ("matx2_br140206_NL_up_10100.mat", "br140206", "Monkey2", 0.01, 100),
        ("matx2_br140206_NL_up_50100.mat", "br140206", "Monkey2", 0.05, 100),
        ("matx2_br131023_NL_up_1020_23", "br131023", "Monkey2", 0.01, 20),  # internal name
        ("/some/folder/xy120101_NL_up_5020.mat", "xy120101", None, 0.05, 20),
    ],
)
def test_parse_file_name(name, session, monkey, duration_s, second_ms):
    assert parse_file_name(name) == {
        "session": session,
        "monkey": monkey,
        "duration_s": duration_s,
        "second_ms": second_ms,
    }
    assert parse_file_name(Path(name)) == parse_file_name(name)


@pytest.mark.parametrize(
    "name",
    [
        "recording.mat",
        "matx2_wa080208_NL_10050.mat",
        "matx2_wa080208_NL_up_.mat",
        "matx2_wa080208_NL_up_100.mat",  # no second number
        "matx2_wa080208_NL_up_05050.mat",  # no leading non-zero digit
        "matx2_wa080208_NL_up_10050x.mat",
    ],
)
def test_parse_file_name_rejects_other_names(name):
    with pytest.raises(InputFileError, match="does not follow the pattern") as info:
        parse_file_name(name)
    assert repr(name) in str(info.value) and "NL_up_<D><S>" in str(info.value)


# --------------------------------------------------------------------------- real files
@pytest.mark.parametrize(("monkey", "name"), ALL)
def test_every_recording_loads_in_si_time_first(monkey, name):
    path = _real(monkey, name)
    with warnings.catch_warnings():
        if "br140206" not in name and "br131023" not in name:
            warnings.simplefilter("error", DataWarning)
        else:
            warnings.simplefilter("ignore", DataWarning)
        ds = load_recording(path)

    assert tuple(ds.dims) == ("time", "x")
    assert set(ds.data_vars) == set(VARIABLES)
    for var in VARIABLES:
        assert ds[var].dims == ("time", "x")
        assert ds[var].attrs["units"] == "1" and ds[var].attrs["long_name"]
        peak = float(np.nanmax(np.abs(ds[var].values)))
        assert 2e-4 < peak < 5e-3  # dF/F as a fraction, peaks ~1e-3
    assert ds.time.attrs["units"] == "s" and ds.x.attrs["units"] == "m"

    raw = scipy.io.loadmat(path)["matNL"][0][0]
    assert ds.sizes["time"] == raw["time"].size and ds.sizes["x"] == raw["space"].size
    np.testing.assert_allclose(ds.time.values, raw["time"].ravel() * 1e-3)
    np.testing.assert_allclose(ds.x.values, raw["space"].ravel() * 1e-3)
    np.testing.assert_array_equal(ds.both.values, raw["matAM"].T)  # NaN in the same places
    np.testing.assert_array_equal(ds.nonlinearity.values, raw["mat"].T)

    a = ds.attrs
    assert a["file"] == str(path.resolve()) and Path(a["file"]).is_absolute()
    assert a["monkey"] == monkey
    assert a["session"] == parse_file_name(name)["session"]
    assert a["duration_s"] == parse_file_name(name)["duration_s"]
    assert a["frame_interval_s"] == pytest.approx(9.09e-3, rel=1e-3)
    assert a["dx_m"] == pytest.approx(5.66e-5, rel=1e-3)
    assert ds.x.values[0] == 0.0  # space starts at 0 in every file
    assert a["n_time"] == ds.sizes["time"] and a["n_x"] == ds.sizes["x"]
    assert a["internal_name"].startswith("matx2_")
    assert a["software"].startswith("adexmf ") and a["created"] and a["python"]
    assert set(json.loads(a["missing_x_indices"])) == set(VARIABLES)


@pytest.mark.parametrize("name", FILES["Monkey2"][1:3])
def test_all_nan_rows_are_kept_reported_and_warned(name):
    path = _real("Monkey2", name)
    with pytest.warns(DataWarning, match=r"all-NaN rows.*\[175, 176\]") as record:
        ds = load_recording(path)
    assert str(path.resolve()) in str(record[0].message)
    assert json.loads(ds.attrs["missing_x_indices"]) == {v: [175, 176] for v in VARIABLES}
    for var in VARIABLES:
        assert np.isnan(ds[var].isel(x=[175, 176])).all()
        assert np.isfinite(ds[var].isel(x=slice(0, 175))).all()


def test_internal_name_disagreement_warns_and_trusts_the_file_name():
    path = _real("Monkey2", "matx2_br131023_NL_up_5020.mat")
    with pytest.warns(DataWarning, match="disagrees with the file name") as record:
        ds = load_recording(path)
    message = str(record[0].message)
    assert "matx2_br131023_NL_up_1020_23" in message and "duration_s 0.05 vs 0.01" in message
    assert ds.attrs["duration_s"] == 0.05 and ds.attrs["second_s"] == 0.02
    assert ds.attrs["internal_name"] == "matx2_br131023_NL_up_1020_23"
    assert ds.attrs["session"] == "br131023" and ds.attrs["monkey"] == "Monkey2"


def test_recording_round_trips_through_netcdf(tmp_path):
    ds = load_recording(_real("Monkey1", "matx2_wa080208_NL_up_10050.mat"))
    out = write_netcdf(ds, tmp_path / "rec.nc")
    back = read_netcdf(out)
    assert back.attrs == ds.attrs
    np.testing.assert_array_equal(back.stim1.values, ds.stim1.values)


# --------------------------------------------------------------------------- synthetic files
N_X, N_T = 6, 5
GOOD_NAME = "matx2_wa990101_NL_up_5020.mat"


def _fields(**changes):
    rng = np.random.default_rng(0)
    fields = {
        "name": GOOD_NAME[:-4],
        "time": (-20.0 + 9.09 * np.arange(N_T))[None, :],
        "space": (0.0566 * np.arange(N_X))[None, :],
        "stim1": 1e-3 * rng.standard_normal((N_X, N_T)),
        "stim2": 1e-3 * rng.standard_normal((N_X, N_T)),
        "matAM": 1e-3 * rng.standard_normal((N_X, N_T)),
        "mat": 1e-3 * rng.standard_normal((N_X, N_T)),
    }
    fields.update(changes)
    return {k: v for k, v in fields.items() if v is not None}


def _write(tmp_path, fields, name=GOOD_NAME):
    path = tmp_path / name
    scipy.io.savemat(path, {"matNL": fields})
    return path


def _cell(value):
    cell = np.empty((1, 1), dtype=object)
    cell[0, 0] = value
    return cell


def test_synthetic_recording_and_its_cell_wrapped_variant(tmp_path):
    plain = load_recording(_write(tmp_path, _fields()))
    wrapped_fields = {k: _cell(v) for k, v in _fields().items()}
    (tmp_path / "wrapped").mkdir()
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)
        wrapped = load_recording(_write(tmp_path / "wrapped", wrapped_fields))
    assert plain.attrs["session"] == "wa990101" and plain.attrs["duration_s"] == 0.05
    assert plain.attrs["frame_interval_s"] == pytest.approx(9.09e-3)
    np.testing.assert_array_equal(plain.stim1.values, _fields()["stim1"].T)
    for var in VARIABLES:
        np.testing.assert_array_equal(wrapped[var].values, plain[var].values)
    np.testing.assert_array_equal(wrapped.time.values, plain.time.values)


def test_foreign_file_name_falls_back_on_the_internal_name(tmp_path):
    with pytest.warns(DataWarning, match="file name does not follow the pattern"):
        ds = load_recording(_write(tmp_path, _fields(), "renamed.mat"))
    assert ds.attrs["session"] == "wa990101" and ds.attrs["duration_s"] == 0.05
    with pytest.raises(InputFileError, match="neither its file name nor its internal name"):
        load_recording(_write(tmp_path, _fields(name="whatever"), "renamed2.mat"))


def _bytes(tmp_path, data: bytes, name=GOOD_NAME):
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (lambda d: _bytes(d, np.random.default_rng(1).bytes(4096)), "cannot be read as a MATLAB"),
        (lambda d: _bytes(d, b""), "cannot be read as a MATLAB"),
        (lambda d: _bytes(d, b"name,time\n1,2\n"), "cannot be read as a MATLAB"),
        (lambda d: d / GOOD_NAME, "does not exist"),
        (lambda d: (d / GOOD_NAME).mkdir() or d / GOOD_NAME, "is a directory"),
        (
            lambda d: scipy.io.savemat(d / GOOD_NAME, {"other": np.ones(3)}) or d / GOOD_NAME,
            "no variable 'matNL' \\(found: other\\)",
        ),
        (
            lambda d: scipy.io.savemat(d / GOOD_NAME, {"matNL": np.ones((2, 2))}) or d / GOOD_NAME,
            "'matNL' is not a struct",
        ),
        (lambda d: _write(d, _fields(matAM=None)), "lacks the field\\(s\\) 'matAM'"),
        (
            lambda d: _write(d, _fields(time=None, mat=None)),
            "lacks the field\\(s\\) 'time', 'mat'",
        ),
        (
            lambda d: _write(d, _fields(stim2=np.zeros((N_T, N_X)))),
            r"map 'stim2' has shape \(5, 6\); expected \(n_x, n_t\) = \(6, 5\)",
        ),
        (
            lambda d: _write(d, _fields(mat=np.zeros((N_X, N_T + 1)))),
            r"map 'mat' has shape \(6, 6\)",
        ),
        (
            lambda d: _write(d, _fields(time=np.array([[0.0, 9.09, 18.18, 30.0, 39.0]]))),
            "field 'time' is not uniform",
        ),
        (
            lambda d: _write(d, _fields(space=np.array([[0, 0.05, 0.1, 0.2, 0.25, 0.3]]))),
            "field 'space' is not uniform",
        ),
        (
            lambda d: _write(d, _fields(time=np.array([[0.0, 9.09, np.nan, 27.27, 36.36]]))),
            "field 'time' has 1 non-finite value",
        ),
        (
            lambda d: _write(d, _fields(time=-9.09 * np.arange(N_T)[None, :])),
            "field 'time' is not increasing",
        ),
        (lambda d: _write(d, _fields(time=np.zeros((2, 3)))), "expected a 1 x n vector"),
        (
            lambda d: _write(d, _fields(stim1=np.full((N_X, N_T), np.inf))),
            "map 'stim1' holds 30 infinite",
        ),
        (lambda d: _write(d, _fields(stim1="text")), "'stim1' is not a numeric array"),
    ],
)
def test_bad_files_raise_input_file_error_naming_file_and_problem(tmp_path, make, problem):
    path = make(tmp_path)
    with pytest.raises(InputFileError, match=problem) as info:
        load_recording(path)
    assert str(path) in str(info.value) or str(path.resolve()) in str(info.value)


def test_missing_rows_of_one_map_are_named_per_variable(tmp_path):
    stim1 = _fields()["stim1"].copy()
    stim1[[0, 4]] = np.nan
    with pytest.warns(DataWarning, match=r"stim1: x indices \[0, 4\]"):
        ds = load_recording(_write(tmp_path, _fields(stim1=stim1)))
    missing = json.loads(ds.attrs["missing_x_indices"])
    assert missing == {"stim1": [0, 4], "stim2": [], "both": [], "nonlinearity": []}
