"""Settings of a transfer-function characterisation: the protocol, the grid design, the cost.

:class:`CharacterizationConfig` fixes the simulation protocol of SPEC 4.2 (duration, step,
scheme, seeds) and holds the :class:`GridDesign`, which says how the (nu_e, nu_i[, W]) plane
is sampled by the adaptive pilot (:mod:`adexmf.singlecell.pilot`). :func:`estimate_text`
states the size of the work and a rough duration before it starts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..cell_inputs import AUTHORS_DT, AUTHORS_SCHEME, DEFAULT_DT, DEFAULT_SCHEME, SCHEMES
from ..errors import ParameterError, check_range

_DEFAULT_TARGETS = (
    0.02, 0.1, 0.2, 0.4, 0.7, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.5, 8.0,
    10.0, 12.0, 14.5, 17.0, 20.0, 23.0, 26.5, 30.0, 33.0,
)  # fmt: skip


@dataclass(frozen=True)
class GridDesign:
    """How the (nu_e, nu_i[, W]) plane is sampled (rates in Hz, currents in A).

    Attributes
    ----------
    nu_i_levels : tuple of float
        Inhibitory rates per synapse (Hz).
    target_rates : tuple of float
        Output rates (Hz) the adaptive walk aims at for every level; one grid point each.
    adaptation_levels : tuple of float
        Clamped adaptation currents W (A); empty: w evolves freely (the protocol of SPEC 4.2).
    nu_e_max : float
        Highest excitatory rate the pilot tries (Hz).
    bracket_points : int
        Rungs of the geometric bracketing ladder (0.1 Hz to ``nu_e_max``).
    bracket_duration : float
        Duration of each bracketing run (s).
    refine_points : int
        Rungs of the refining ladder.
    refine_duration : float
        Duration of each refining run (s).
    refine_seeds : int
        Seeds per refining rung.
    low_rate : float
        Targets below this rate (Hz) are placed by a third, longer pilot stage.
    low_points, low_duration, low_seeds : int, float (s), int
        Rungs, duration and seeds of that low-rate stage (its resolution is
        1 / (low_duration low_seeds)).
    """

    nu_i_levels: tuple[float, ...] = tuple(np.linspace(0.0, 20.0, 8).tolist())
    target_rates: tuple[float, ...] = _DEFAULT_TARGETS
    adaptation_levels: tuple[float, ...] = ()
    nu_e_max: float = 200.0
    bracket_points: int = 24
    bracket_duration: float = 1.0
    refine_points: int = 40
    refine_duration: float = 2.0
    refine_seeds: int = 4
    low_rate: float = 1.0
    low_points: int = 16
    low_duration: float = 5.0
    low_seeds: int = 4

    def __post_init__(self) -> None:
        for k, v in enumerate(self.nu_i_levels):
            check_range(f"GridDesign.nu_i_levels[{k}]", v, 0.0, 1e3, unit="Hz")
        for k, v in enumerate(self.target_rates):
            check_range(f"GridDesign.target_rates[{k}]", v, 0.0, 500.0, unit="Hz",
                        low_inclusive=False)  # fmt: skip
        for k, v in enumerate(self.adaptation_levels):
            check_range(f"GridDesign.adaptation_levels[{k}]", v, -1e-9, 1e-9, unit="A")
        if not self.nu_i_levels or not self.target_rates:
            raise ParameterError("GridDesign needs at least one nu_i level and one target rate")
        check_range("GridDesign.nu_e_max", self.nu_e_max, 1.0, 1e3, unit="Hz")
        for name in ("bracket_points", "refine_points", "low_points"):
            check_range(f"GridDesign.{name}", getattr(self, name), 4, 1000)
        for name in ("refine_seeds", "low_seeds"):
            check_range(f"GridDesign.{name}", getattr(self, name), 1, 100)
        check_range("GridDesign.low_rate", self.low_rate, 0.0, 500.0, unit="Hz")
        for name in ("bracket_duration", "refine_duration", "low_duration"):
            check_range(f"GridDesign.{name}", getattr(self, name), 0.0, 100.0, unit="s",
                        low_inclusive=False)  # fmt: skip

    @property
    def levels(self) -> list[tuple[float, float]]:
        """The (nu_i, W) pairs walked by the design; W is NaN when w is free."""
        ws = self.adaptation_levels or (float("nan"),)
        return [(ni, w) for w in ws for ni in self.nu_i_levels]

    @property
    def n_points(self) -> int:
        """Number of grid points of the design."""
        return len(self.levels) * len(self.target_rates)


@dataclass(frozen=True)
class CharacterizationConfig:
    """Protocol of the characterisation (SI units).

    Attributes
    ----------
    duration : float
        Simulated time per seed and grid point (s); SPEC 4.2: 10 s.
    dt : float
        Time step (s): 0.1 ms, converged with the "heun" scheme (the authors, SPEC 4.2:
        0.05 ms with "euler", :meth:`authors`).
    scheme : {"heun", "euler"}
        Integration scheme of the single-cell kernel
        (:mod:`adexmf.singlecell.simulate`).
    n_seeds : int
        Independent seeds per grid point. SPEC 4.2 uses 4; the default is 8 because at
        30 Hz a 10 s run has a Poisson-like count error of ~1.7 Hz, so with 4 seeds the
        measurement noise alone (RMS standard error ~0.43 Hz over the grid) exceeds the
        0.4 Hz fit target.
    seed : int
        User seed from which every cell's stream is derived.
    discard : float
        Initial transient excluded from the counts (s); 0 follows SPEC 4.2 (count / duration).
    design : GridDesign
    """

    duration: float = 10.0
    dt: float = DEFAULT_DT
    scheme: str = DEFAULT_SCHEME
    n_seeds: int = 8
    seed: int = 0
    discard: float = 0.0
    design: GridDesign = field(default_factory=GridDesign)

    def __post_init__(self) -> None:
        check_range("CharacterizationConfig.duration", self.duration, 0.0, 1e4, unit="s",
                    low_inclusive=False)  # fmt: skip
        check_range("CharacterizationConfig.dt", self.dt, 1e-7, 1e-3, unit="s")
        if self.scheme not in SCHEMES:
            raise ParameterError(
                f"CharacterizationConfig.scheme = {self.scheme!r} is not known; allowed: "
                f"{', '.join(SCHEMES)}"
            )
        check_range("CharacterizationConfig.n_seeds", self.n_seeds, 2, 1000)
        check_range("CharacterizationConfig.seed", self.seed, 0, 2**63 - 1)
        check_range("CharacterizationConfig.discard", self.discard, 0.0, self.duration,
                    unit="s", high_inclusive=False)  # fmt: skip
        # checked here, before the pilot: the kernel would refuse it only after minutes
        if self.duration - self.discard < self.dt:
            raise ParameterError(
                f"CharacterizationConfig: the counted time duration - discard = "
                f"{self.duration - self.discard:g} s is shorter than one step dt = {self.dt:g} s; "
                "lengthen duration (SPEC 4.2: 10 s), shorten discard or reduce dt"
            )
        g = self.design
        for name in ("bracket_duration", "refine_duration", "low_duration"):
            if getattr(g, name) < self.dt:
                raise ParameterError(
                    f"GridDesign.{name} = {getattr(g, name):g} s is shorter than one step "
                    f"dt = {self.dt:g} s; lengthen it or reduce dt"
                )

    @classmethod
    def authors(cls, **changes) -> CharacterizationConfig:
        """The authors' protocol (SPEC 4.2): forward Euler at dt = 0.05 ms.

        The setting of the reference level and of the fits made before the converged
        default (``corrected*.toml`` up to adexmf 0.x: Euler 0.05 ms); ``changes`` override
        other fields (``n_seeds``, ``design``...).
        """
        return cls(**{"scheme": AUTHORS_SCHEME, "dt": AUTHORS_DT, **changes})


#: Measured cost of one cell for one Euler time step of the compiled single-cell kernel (s),
#: on the 2-core development machine (benchmarks/bench_characterize.py order of magnitude).
CELL_STEP_COST = 2.5e-8
#: Cost of a step of each scheme relative to Euler: Heun evaluates the right-hand side twice,
#: but the Poisson draws and the loop dominate (benchmarks/bench_convergence.py).
SCHEME_COST = {"euler": 1.0, "heun": 1.2}


def estimate_cell_steps(config: CharacterizationConfig) -> float:
    """Cell-steps (cells x time steps) of a characterisation: pilot stages and grid."""
    g = config.design
    n_lev = len(g.levels)
    pilot = n_lev * (
        g.bracket_points * g.bracket_duration
        + g.refine_points * g.refine_seeds * g.refine_duration
        + (g.low_points * g.low_seeds * g.low_duration if min(g.target_rates) < g.low_rate else 0)
    )
    grid = g.n_points * config.n_seeds * config.duration
    return (pilot + grid) / config.dt


def estimate_text(config: CharacterizationConfig) -> str:
    """One line: the size of the work and a rough duration on this kind of machine."""
    steps = estimate_cell_steps(config)
    seconds = steps * CELL_STEP_COST * SCHEME_COST[config.scheme]
    if seconds < 120:
        eta = f"{seconds:.0f} s"
    elif seconds < 7200:
        eta = f"{seconds / 60:.0f} min"
    else:
        eta = f"{seconds / 3600:.1f} h"
    return (
        f"{config.design.n_points} points x {config.n_seeds} seeds x {config.duration:g} s at "
        f"dt = {config.dt * 1e3:g} ms ({config.scheme}) plus the pilot: {steps:.2g} "
        f"cell-steps, roughly {eta} "
        "on 2 cores (interrupt with Ctrl-C or SIGTERM; a rerun resumes)"
    )
