"""Settings of the ring and the sheet of mean-field columns and of their spatial stimuli
(SPEC 8), with the reference settings of the authors' code and the paper's text and the
reader of a ring or sheet configuration (TOML). SI units inside, mm only at the edges."""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ParameterError
from .fields import quantity, validate
from .mapping import from_mapping

#: Boundaries of the 2-D sheet.
BOUNDARIES: tuple[str, ...] = ("periodic", "open")


@dataclass(frozen=True)
class Ring:
    """A ring of cortex made of mean-field columns with Gaussian lateral connectivity and
    conduction delays (SPEC 8). SI units throughout (m, m/s, Hz); mm only at the edges.

    Attributes
    ----------
    length : float
        Circumference L (m): 36 mm [code], 40 mm [text].
    n_units : int
        Number N of columns (>= 3), evenly spaced at x_j = j L / N.
    l_exc, l_inh : float
        Standard deviations of the excitatory and inhibitory lateral kernels (m), 1-7 mm
        (SPEC 9 ranges); 5 mm and 1 mm in the paper.
    v_c : float
        Axonal conduction velocity (m/s), 50-600 mm/s; 300 mm/s in the paper.
    drive : float
        External drive onto both populations of every column (Hz).
    """

    length: float = field(default=0.036, metadata=quantity("m", 0.001, 1.0))
    n_units: int = field(default=120, metadata=quantity("", 3, 100_000))
    l_exc: float = field(default=0.005, metadata=quantity("m", 0.001, 0.007))
    l_inh: float = field(default=0.001, metadata=quantity("m", 0.001, 0.007))
    v_c: float = field(default=0.3, metadata=quantity("m/s", 0.05, 0.6))
    drive: float = field(default=4.0, metadata=quantity("Hz", 0.0, 100.0))

    def __post_init__(self) -> None:
        validate(self)
        if int(self.n_units) != self.n_units:
            raise ParameterError(
                f"{type(self).__name__}.n_units = {self.n_units!r} must be an integer >= 3"
            )
        object.__setattr__(self, "n_units", int(self.n_units))

    @property
    def spacing(self) -> float:
        """Distance between neighbouring columns L / N (m)."""
        return self.length / self.n_units

    def replace(self, **changes: Any) -> Ring:
        """Return a copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class Sheet(Ring):
    """A square sheet of N x N mean-field columns of side ``length`` (m), with isotropic
    Gaussian kernels and distance-dependent delays; ``n_units`` is N, the columns per side.

    Attributes
    ----------
    boundary : {"periodic", "open"}
        Periodic (a torus: distances the shortest way round) or open edges (kernels
        renormalised over the columns that exist, so that the homogeneous state stays a
        fixed point).
    """

    n_units: int = field(default=64, metadata=quantity("", 3, 1024))
    boundary: str = "periodic"

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.boundary not in BOUNDARIES:
            raise ParameterError(
                f"Sheet.boundary = {self.boundary!r}; allowed: {', '.join(BOUNDARIES)}"
            )


@dataclass(frozen=True)
class RingStimulus:
    """A spatial stimulus of the ring or sheet: a Gaussian in space times a double Gaussian
    in time (SPEC 6, 8). SI units.

    Attributes
    ----------
    amplitude : float
        Peak afferent rate A (Hz) onto the excitatory population.
    x0 : float
        Centre (m) along the ring (on the sheet: the first coordinate).
    y0 : float
        Second coordinate of the centre on a sheet (m); ignored by the ring.
    l_stim : float
        Spatial standard deviation (m), 0.2-2 mm (SPEC 9).
    t0, tau1, tau2 : float
        Time of the peak, rise and decay widths (s).
    """

    amplitude: float = field(default=15.0, metadata=quantity("Hz", 0.0, 200.0))
    x0: float = field(default=0.018, metadata=quantity("m", 0.0, 1.0))
    y0: float = field(default=0.018, metadata=quantity("m", 0.0, 1.0))
    l_stim: float = field(default=0.001, metadata=quantity("m", 0.0002, 0.002))
    t0: float = field(default=0.15, metadata=quantity("s", 0.0, 100.0))
    tau1: float = field(default=0.05, metadata=quantity("s", 0.001, 1.0))
    tau2: float = field(default=0.15, metadata=quantity("s", 0.001, 1.0))

    def __post_init__(self) -> None:
        validate(self)

    def replace(self, **changes: Any) -> RingStimulus:
        """Return a copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)


#: Ring settings: the authors' code (L = 36 mm, N = 30) and the paper's text (L = 40 mm).
RING_SETTINGS: dict[str, Ring] = {
    "code": Ring(length=0.036, n_units=30),
    "text": Ring(length=0.040, n_units=120),
}
#: Reference stimulus of SPEC 8: [code] A = 15 Hz, l_stim = 1.0 mm; [text] 10 Hz, 1.5 mm;
#: both t0 = 150 ms, tau1 = 50 ms, tau2 = 150 ms, centred on the 36 mm ring.
REFERENCE_STIMULI: dict[str, RingStimulus] = {
    "code": RingStimulus(amplitude=15.0, l_stim=0.001),
    "text": RingStimulus(amplitude=10.0, l_stim=0.0015),
}


def load_ring_config(path: str | Path) -> tuple[Ring | Sheet, list[RingStimulus]]:
    """Read a ring (``[ring]``) or sheet (``[sheet]``) and its ``[[stimulus]]`` list from TOML.

    Quantities are strings with units (``length = "36 mm"``, ``v_c = "300 mm/s"``); missing
    keys take the defaults of :class:`Ring`, :class:`Sheet` and :class:`RingStimulus`.

    Raises
    ------
    ParameterError
        For an unreadable file, an unknown section or key, a wrong unit or a value out of
        range (the message names the key and the allowed range).
    """
    path = Path(path)
    if not path.is_file():
        raise ParameterError(f"ring configuration {str(path)!r} does not exist")
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise ParameterError(f"{path}: invalid TOML: {exc}") from None
    unknown = sorted(set(data) - {"ring", "sheet", "stimulus"})
    if unknown or ("ring" in data) == ("sheet" in data):
        raise ParameterError(
            f"{path}: needs exactly one of [ring] or [sheet] and optional [[stimulus]] "
            f"sections; found {', '.join(map(repr, data)) or 'nothing'}"
        )
    try:
        if "ring" in data:
            geometry: Ring | Sheet = from_mapping(Ring, data["ring"], "ring")
        else:
            geometry = from_mapping(Sheet, data["sheet"], "sheet")
        stimuli = data.get("stimulus", [])
        if not isinstance(stimuli, list):
            raise ParameterError("[[stimulus]] must be an array of tables")
        parsed = [from_mapping(RingStimulus, s, f"stimulus[{k}]") for k, s in enumerate(stimuli)]
    except ParameterError as exc:
        raise ParameterError(f"{path}: {exc}") from None
    return geometry, parsed
