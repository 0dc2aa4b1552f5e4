"""Connectomes (adexmf.brain.connectome): TVB-format files read in SI units, the embedded
default, normalisations, subsets, and every malformed input refused with the file, the
matrix and the rule."""

from __future__ import annotations

import zipfile

import numpy as np
import pytest

from adexmf.brain import Connectome, load_connectome, read_tvb_connectivity
from adexmf.brain.connectome import DEFAULT_CONNECTOME, TVB_DATA_NAMES
from adexmf.errors import InputFileError, ParameterError

WEIGHTS = "0 1 2\n3 0 0.5\n0 0 0\n"
LENGTHS = "0 10 20\n10 0 30\n20 30 0\n"
CENTRES = "lA 1 2 3\nlB 4 5 6\nlC -1 0 2.5\n"


def write_tvb(folder, weights=WEIGHTS, lengths=LENGTHS, centres=CENTRES, as_zip=False):
    files = {"weights.txt": weights, "tract_lengths.txt": lengths, "centres.txt": centres}
    if as_zip:
        folder.mkdir(exist_ok=True)
        path = folder / "conn.zip"
        with zipfile.ZipFile(path, "w") as z:
            for name, text in files.items():
                if text is not None:
                    z.writestr(f"nested/{name}", text)
        return path
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        if text is not None:
            (folder / name).write_text(text)
    return folder


@pytest.mark.parametrize("as_zip", [False, True])
def test_tvb_files_are_read_in_si_units(tmp_path, as_zip):
    conn = read_tvb_connectivity(write_tvb(tmp_path / "c", as_zip=as_zip))
    assert conn.n_regions == 3 and conn.labels == ("lA", "lB", "lC")
    assert conn.weights[1, 0] == 3.0  # row = target, column = source (TVB's orientation)
    assert conn.tract_lengths[2, 1] == pytest.approx(0.030)  # mm -> m
    assert conn.centres[2].tolist() == pytest.approx([-1e-3, 0.0, 2.5e-3])
    assert conn.delays(4.0)[0, 2] == pytest.approx(0.005)  # 20 mm at 4 m/s


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"weights": "0 1\n1 0\n"}, "tract_lengths is 3 x 3 but weights is 2 x 2"),
        ({"weights": "0 1 2\n3 0 0.5\n"}, "weights must be a square n x n matrix, got 2 x 3"),
        ({"weights": "0 -1 2\n3 0 0.5\n0 0 0\n"}, r"weights has 1 negative entries, e.g. \[0, 1\]"),
        ({"lengths": "0 nan 20\n10 0 30\n20 30 0\n"}, r"tract_lengths has 1 non-finite entries"),
        ({"weights": "0 x 2\n3 0 0.5\n0 0 0\n"}, "weights.txt is not a numeric table"),
        ({"centres": "lA 1 2 3\nlB 4 5\nlC 1 1 1\n"}, "centres.txt line 2 reads 'lB 4 5'"),
        ({"centres": "lA 1 2 3\nlB 4 5 6\n"}, "centres must be 3 rows"),
        ({"lengths": None}, "missing: tract_lengths.txt"),
    ],
)
def test_malformed_connectomes_are_refused_naming_file_matrix_rule(tmp_path, change, message):
    path = write_tvb(tmp_path / "bad", **change)
    with pytest.raises(InputFileError, match=message) as err:
        read_tvb_connectivity(path)
    assert "bad" in str(err.value)  # the file is named


def test_unknown_sources_are_refused(tmp_path):
    with pytest.raises(InputFileError, match="no such file or folder, and not a known name"):
        load_connectome(tmp_path / "missing.zip")
    (tmp_path / "x.zip").write_text("not a zip")
    with pytest.raises(InputFileError, match="not a zip file nor a folder"):
        load_connectome(tmp_path / "x.zip")


def test_tvb_data_names_need_the_extra_or_load():
    try:
        conn = load_connectome("connectivity_76")
    except ParameterError as exc:
        assert "tvb-data" in str(exc) and "pip install" in str(exc)
    else:
        assert conn.n_regions == 76 and conn.weights.shape == (76, 76)
    assert "connectivity_76" in TVB_DATA_NAMES


def test_embedded_default_is_deterministic_and_cortex_like():
    a, b = load_connectome(), load_connectome(DEFAULT_CONNECTOME)
    np.testing.assert_array_equal(a.weights, b.weights)
    assert a.n_regions == 68
    assert np.all(np.diag(a.weights) == 0) and a.weights.max() == 1.0
    np.testing.assert_allclose(a.weights, a.weights.T)  # distance rule: symmetric
    # within-hemisphere projections outweigh callosal ones (factor 0.1 save homotopic)
    within = a.weights[:34, :34].sum()
    across = a.weights[:34, 34:].sum()
    assert within > 3 * across
    # tract lengths of a human-sized brain: up to ~ 10-20 cm
    assert 0.05 < a.tract_lengths.max() < 0.25


def test_normalisations_and_subsets():
    conn = load_connectome()
    rows = conn.normalised("in_degree").weights.sum(axis=1)
    np.testing.assert_allclose(rows, 1.0, rtol=1e-12)
    assert conn.normalised("max").weights.max() == 1.0
    sub = conn.subset(["R03", "L00", 5])
    assert sub.labels == ("R03", "L00", "L05")
    assert sub.weights[1, 0] == conn.weights[0, 37]
    with pytest.raises(ParameterError, match="'Z9' is not a region"):
        conn.subset(["Z9"])
    with pytest.raises(ParameterError, match="index 99 is out of range"):
        conn.subset([99])
    with pytest.raises(ParameterError, match="normalisation = 'l2'"):
        conn.normalised("l2")


def test_connectome_from_arrays_checks_shapes():
    with pytest.raises(InputFileError, match="3 region labels for 2 regions"):
        Connectome(np.eye(2), np.eye(2), ("a", "b", "c"), np.zeros((2, 3)), name="arrays")
