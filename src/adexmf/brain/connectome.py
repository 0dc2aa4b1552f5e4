"""Connectomes: the structural data of a network of columns (SPEC 11).

A :class:`Connectome` holds a weight matrix ``weights[k, j]`` (the strength of the projection
from region j to region k, TVB's orientation), the tract lengths (m), the region labels and
their centres (m). It comes from

- a TVB-format connectivity, a ``.zip`` or a folder holding ``weights.txt``,
  ``tract_lengths.txt`` and ``centres.txt`` (one ``label x y z`` line per region, mm), as
  tvb-data ships them (:func:`read_tvb_connectivity`);
- a connectome of the optional ``tvb-data`` package by name (``"connectivity_76"``...), when
  it is installed (``pip install -e ".[brain]"``; GPL data, read at run time and never shipped
  inside adexmf);
- the embedded default ``"synthetic68"`` (:func:`synthetic_connectome`), which needs nothing
  installed: 68 regions on two hemispheres with weights from the exponential distance rule.
  It is a stand-in with the statistics of a cortical connectome, not a measured one.

Every matrix is checked when the connectome is built (square, same size, finite,
non-negative); a failure names the file, the matrix and the rule.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import InputFileError, ParameterError

#: Weight normalisations: ``none`` (as given, TVB's default), ``max`` (divided by the
#: largest weight), ``in_degree`` (each row divided by its sum: every region receives a
#: total weight of 1, regions without inputs stay at 0).
NORMALISATIONS = ("none", "max", "in_degree")

#: The embedded connectome's name.
DEFAULT_CONNECTOME = "synthetic68"

#: The files of a TVB connectivity that adexmf reads.
TVB_FILES = ("weights.txt", "tract_lengths.txt", "centres.txt")

#: tvb-data's connectomes by name (the zips of its ``connectivity`` folder).
TVB_DATA_NAMES = (
    "connectivity_66", "connectivity_68", "connectivity_76", "connectivity_96",
    "connectivity_192",
)  # fmt: skip


@dataclass(frozen=True, eq=False)
class Connectome:
    """Structural connectivity of a network of columns.

    Parameters
    ----------
    weights : ndarray, shape (n, n)
        ``weights[k, j]``: strength of the projection from region j to region k
        (dimensionless, >= 0).
    tract_lengths : ndarray, shape (n, n)
        Length of the tract from region j to region k (m, >= 0).
    labels : tuple of str
        Region labels, in the order of the matrices.
    centres : ndarray, shape (n, 3)
        Region centres (m).
    name : str
        Where the connectome comes from (its name or file).
    """

    weights: np.ndarray
    tract_lengths: np.ndarray
    labels: tuple[str, ...]
    centres: np.ndarray
    name: str = "connectome"
    normalisation: str = field(default="none")

    def __post_init__(self) -> None:
        w = _matrix(self.weights, "weights", self.name)
        lengths = _matrix(self.tract_lengths, "tract_lengths", self.name)
        n = w.shape[0]
        if lengths.shape != w.shape:
            raise InputFileError(
                f"{self.name}: tract_lengths is {_shape(lengths)} but weights is {_shape(w)}; "
                "both must be n x n over the same regions"
            )
        centres = np.asarray(self.centres, dtype=float)
        if centres.shape != (n, 3) or not np.all(np.isfinite(centres)):
            raise InputFileError(
                f"{self.name}: centres must be {n} rows of 3 finite coordinates (one per "
                f"region of the weights), got shape {_shape(centres)}"
            )
        labels = tuple(str(s) for s in self.labels)
        if len(labels) != n:
            raise InputFileError(f"{self.name}: {len(labels)} region labels for {n} regions")
        if self.normalisation not in NORMALISATIONS:
            raise ParameterError(
                f"normalisation = {self.normalisation!r} is not allowed; allowed: "
                f"{', '.join(NORMALISATIONS)}",
                parameters=("normalisation",),
            )
        for name, value in (("weights", w), ("tract_lengths", lengths), ("centres", centres)):
            value.setflags(write=False)
            object.__setattr__(self, name, value)
        object.__setattr__(self, "labels", labels)

    @property
    def n_regions(self) -> int:
        """Number of regions."""
        return int(self.weights.shape[0])

    def normalised(self, how: str) -> Connectome:
        """This connectome with its weights normalised (:data:`NORMALISATIONS`)."""
        if how not in NORMALISATIONS:
            raise ParameterError(
                f"normalisation = {how!r} is not allowed; allowed: {', '.join(NORMALISATIONS)}",
                parameters=("normalisation",),
            )
        w = np.array(self.weights)
        if how == "max" and w.max() > 0:
            w /= w.max()
        elif how == "in_degree":
            rows = w.sum(axis=1, keepdims=True)
            w = np.divide(w, rows, out=np.zeros_like(w), where=rows > 0)
        return Connectome(w, self.tract_lengths, self.labels, self.centres, self.name, how)

    def subset(self, regions: list[str] | list[int]) -> Connectome:
        """The connectome restricted to ``regions`` (labels or indices), in their order."""
        index = []
        for r in regions:
            if isinstance(r, (int, np.integer)):
                if not 0 <= r < self.n_regions:
                    raise ParameterError(
                        f"regions = {list(regions)!r}: index {r} is out of range; allowed: 0 "
                        f"to {self.n_regions - 1}",
                        parameters=("regions",),
                    )
                index.append(int(r))
            elif r in self.labels:
                index.append(self.labels.index(r))
            else:
                raise ParameterError(
                    f"regions = {list(regions)!r}: {r!r} is not a region of {self.name}; its "
                    f"labels are {', '.join(self.labels[:8])}"
                    f"{', ...' if self.n_regions > 8 else ''}",
                    parameters=("regions",),
                )
        if len(set(index)) != len(index) or not index:
            raise ParameterError(
                f"regions = {regions!r}: give each region once, at least one",
                parameters=("regions",),
            )
        ix = np.ix_(index, index)
        return Connectome(
            self.weights[ix], self.tract_lengths[ix], tuple(self.labels[i] for i in index),
            self.centres[index], f"{self.name}[{len(index)} regions]", self.normalisation,
        )  # fmt: skip

    def delays(self, conduction_velocity: float) -> np.ndarray:
        """Conduction delays ``tract_lengths / conduction_velocity`` (s), velocity in m/s."""
        if not (np.isfinite(conduction_velocity) and conduction_velocity > 0):
            raise ParameterError(
                f"conduction_velocity = {conduction_velocity!r} m/s is not allowed; allowed: "
                "a finite speed > 0 m/s (TVB's default 4 m/s)",
                parameters=("conduction_velocity",),
            )
        return self.tract_lengths / float(conduction_velocity)


def _shape(a: np.ndarray) -> str:
    return " x ".join(str(s) for s in a.shape) or "a scalar"


def _matrix(value, what: str, source: str) -> np.ndarray:
    """``value`` as a float matrix, refused unless square, finite and non-negative."""
    try:
        m = np.array(value, dtype=float)
    except (TypeError, ValueError):
        raise InputFileError(f"{source}: {what} is not a numeric matrix") from None
    if m.ndim != 2 or m.shape[0] != m.shape[1] or m.shape[0] == 0:
        raise InputFileError(f"{source}: {what} must be a square n x n matrix, got {_shape(m)}")
    bad = ~np.isfinite(m)
    if bad.any():
        k, j = np.argwhere(bad)[0]
        raise InputFileError(
            f"{source}: {what} has {int(bad.sum())} non-finite entries, e.g. [{k}, {j}] = "
            f"{m[k, j]}; every entry must be a finite number >= 0"
        )
    if (m < 0).any():
        k, j = np.argwhere(m < 0)[0]
        raise InputFileError(
            f"{source}: {what} has {int((m < 0).sum())} negative entries, e.g. [{k}, {j}] = "
            f"{m[k, j]:g}; every entry must be >= 0"
        )
    return m


# ----------------------------------------------------------------------------- reading
def _read_table(text: str, what: str, source: str) -> np.ndarray:
    try:
        return np.loadtxt(io.StringIO(text), ndmin=2)
    except ValueError as exc:
        raise InputFileError(f"{source}: {what} is not a numeric table ({exc})") from None


def _read_centres(text: str, source: str) -> tuple[tuple[str, ...], np.ndarray]:
    labels, xyz = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        parts = line.split()
        if not parts:
            continue
        try:
            xyz.append([float(v) for v in parts[1:4]])
        except ValueError:
            xyz.append([])
        if len(parts) != 4 or len(xyz[-1]) != 3:
            raise InputFileError(
                f"{source}: centres.txt line {number} reads {line.strip()!r}; each line must "
                "be a label and three coordinates (mm)"
            )
        labels.append(parts[0])
    return tuple(labels), np.array(xyz, dtype=float).reshape(-1, 3)


def _tvb_texts(path: Path) -> dict[str, str]:
    """The texts of :data:`TVB_FILES` in a TVB zip or folder (a zip may nest them)."""
    if path.is_dir():
        found = {f.name: f for f in path.rglob("*.txt") if f.name in TVB_FILES}
        read = {name: f.read_text() for name, f in found.items()}
    elif zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            members = {Path(m).name: m for m in z.namelist() if Path(m).name in TVB_FILES}
            read = {name: z.read(m).decode() for name, m in members.items()}
    elif path.exists():
        raise InputFileError(f"{path}: not a zip file nor a folder of a TVB connectivity")
    else:
        raise InputFileError(
            f"connectome {str(path)!r}: no such file or folder, and not a known name; known "
            f"names: {DEFAULT_CONNECTOME}, {', '.join(TVB_DATA_NAMES)} (tvb-data)"
        )
    missing = [f for f in TVB_FILES if f not in read]
    if missing:
        raise InputFileError(
            f"{path}: a TVB connectivity needs {', '.join(TVB_FILES)}; missing: "
            f"{', '.join(missing)}"
        )
    return read


def read_tvb_connectivity(path: str | Path) -> Connectome:
    """Read a TVB-format connectivity (zip or folder): weights, tract lengths (mm) and
    centres (mm) become a :class:`Connectome` in SI units (m)."""
    path = Path(path)
    texts = _tvb_texts(path)
    weights = _read_table(texts["weights.txt"], "weights.txt", str(path))
    lengths = _read_table(texts["tract_lengths.txt"], "tract_lengths.txt", str(path))
    labels, centres = _read_centres(texts["centres.txt"], str(path))
    return Connectome(weights, lengths * 1e-3, labels, centres * 1e-3, name=str(path))


def tvb_data_path(name: str) -> Path:
    """Path of tvb-data's connectivity ``name`` (e.g. ``"connectivity_76"``)."""
    spec = importlib.util.find_spec("tvb_data")
    if spec is None or not spec.submodule_search_locations:
        raise ParameterError(
            f"connectome = {name!r} is one of tvb-data's, which is not installed; install the "
            'optional extra (pip install -e ".[brain]", GPL data) or give a path to a TVB zip',
            parameters=("connectome",),
        )
    root = Path(next(iter(spec.submodule_search_locations)))
    candidates = sorted(root.rglob(f"{name}.zip"))
    if not candidates:
        raise ParameterError(
            f"connectome = {name!r}: tvb-data at {root} has no {name}.zip; known: "
            f"{', '.join(TVB_DATA_NAMES)}",
            parameters=("connectome",),
        )
    return candidates[0]


def load_connectome(source: str | Path = DEFAULT_CONNECTOME) -> Connectome:
    """A connectome by name (:data:`DEFAULT_CONNECTOME`, tvb-data's) or from a TVB file."""
    if str(source) == DEFAULT_CONNECTOME:
        return synthetic_connectome()
    if str(source) in TVB_DATA_NAMES and not Path(source).exists():
        conn = read_tvb_connectivity(tvb_data_path(str(source)))
        return dataclasses.replace(conn, name=str(source))
    return read_tvb_connectivity(source)


# ------------------------------------------------------------------- embedded default
#: Exponential distance rule of cortical projections (Ercsey-Ravasz et al. 2013, Neuron
#: 80:184): the density of projections falls as exp(-lambda d), lambda 0.19 /mm in the
#: macaque; 0.06 /mm here, for a brain about three times larger in each dimension (the
#: rule's length scale grows with the brain: Horvat et al. 2016, PLoS Biol 14:e1002512).
EDR_DECAY_PER_M = 60.0
#: Hemisphere half-axes (m): x (lateral), y (antero-posterior), z (dorso-ventral); the
#: order of magnitude of a human hemisphere (~70 x 170 x 110 mm overall).
HEMISPHERE_AXES = (0.035, 0.085, 0.055)
#: Interhemispheric projections pass through the corpus callosum: weaker, save homotopic.
CALLOSAL_FACTOR = 0.1
#: Tracts are longer than straight lines (fibre curvature): lengths = factor x distance.
TORTUOSITY = 1.3
#: Projections weaker than this fraction of the strongest are absent (tractography does not
#: resolve them): 45 % of the pairs are connected, the order of the density of measured
#: cortical connectomes (Markov et al. 2014, Cereb Cortex 24:17: 66 % in macaque).
WEIGHT_THRESHOLD = 1e-3


def synthetic_connectome(n_per_hemisphere: int = 34, seed: int = 0) -> Connectome:
    """The embedded connectome: ``2 n`` regions, ``n`` per hemisphere, on the surface of two
    ellipsoids; weights ``exp(-lambda d)`` between regions of a hemisphere, scaled by
    :data:`CALLOSAL_FACTOR` between hemispheres (homotopic pairs keep full strength), no
    self-connections, the largest weight 1; tract lengths :data:`TORTUOSITY` x the distance.

    Deterministic for a given ``seed`` (a stand-in for a measured connectome, not one).
    """
    if not 1 <= n_per_hemisphere <= 500:
        raise ParameterError(
            f"n_per_hemisphere = {n_per_hemisphere} is out of range; allowed: [1, 500]",
            parameters=("n_per_hemisphere",),
        )
    rng = np.random.default_rng(seed)
    u = rng.normal(size=(n_per_hemisphere, 3))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    u[:, 0] = np.abs(u[:, 0])  # the outer (lateral) half of each ellipsoid
    right = u * np.array(HEMISPHERE_AXES) + np.array([HEMISPHERE_AXES[0] + 0.005, 0.0, 0.0])
    left = right * np.array([-1.0, 1.0, 1.0])  # mirror image: homotopic regions
    centres = np.vstack([left, right])
    distance = np.linalg.norm(centres[:, None, :] - centres[None, :, :], axis=-1)
    weights = np.exp(-EDR_DECAY_PER_M * distance)
    hemisphere = np.repeat([0, 1], n_per_hemisphere)
    across = hemisphere[:, None] != hemisphere[None, :]
    homotopic = np.abs(np.arange(2 * n_per_hemisphere)[:, None]
                       - np.arange(2 * n_per_hemisphere)[None, :]) == n_per_hemisphere
    weights[across & ~homotopic] *= CALLOSAL_FACTOR
    np.fill_diagonal(weights, 0.0)
    weights /= weights.max()
    weights[weights < WEIGHT_THRESHOLD] = 0.0
    labels = tuple(f"{side}{k:02d}" for side in ("L", "R") for k in range(n_per_hemisphere))
    return Connectome(weights, TORTUOSITY * distance, labels, centres, name=DEFAULT_CONNECTOME)
