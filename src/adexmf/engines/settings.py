"""What selects and configures a network engine: the seam's settings and their checks.

Every network run goes through one typed, frozen :class:`EngineSettings` (simulator, Brian2
mode and code target, threads) and one seed check, :func:`check_seed`. The checks are
written here once; the engines (:mod:`adexmf.engines.seam`) can assume valid settings.
Errors name the parameter (``backend``, ``mode``, ``target``, ``threads``, ``seed``) in
:attr:`~adexmf.errors.AdexmfError.parameters`, so that a front end can show its own names.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ParameterError
from .brian2_cells import RUNTIME_TARGETS

#: Simulators of the spiking network.
BACKENDS: tuple[str, ...] = ("brian2", "nest")
#: Modes of the Brian2 backend: runtime code generation, or C++ standalone.
BRIAN2_MODES: tuple[str, ...] = ("runtime", "standalone")
#: Seeds accepted by every engine: [0, MAX_SEED) (NEST needs rng_seed = seed + 1 < 2**31).
MAX_SEED = 2**31 - 1


def check_seed(seed: int) -> int:
    """Return ``seed`` as an int if every engine accepts it, else raise.

    Parameters
    ----------
    seed : int
        Seed of every random draw of a run (connectivity, drive).

    Returns
    -------
    int
        The seed, in [0, :data:`MAX_SEED`).

    Raises
    ------
    ParameterError
        For a bool, a non-integer or a seed outside [0, MAX_SEED).
    """
    if isinstance(seed, bool) or int(seed) != seed or not 0 <= int(seed) < MAX_SEED:
        raise ParameterError(
            f"seed = {seed!r}; allowed: an integer in [0, {MAX_SEED})", parameters=("seed",)
        )
    return int(seed)


@dataclass(frozen=True)
class EngineSettings:
    """Which engine runs a network, and how (checked when built).

    Attributes
    ----------
    backend : {"brian2", "nest"}
        Simulator.
    mode : {"runtime", "standalone"}
        Brian2 only: runtime code generation or C++ standalone (compiled once per network
        structure and duration, cached). NEST has no modes: leave the default.
    target : {"cython", "numpy"} or None
        Brian2 runtime only: code-generation target (None: cython). Giving one for the
        standalone mode or the NEST backend is an error (it would be ignored).
    threads : int
        NEST threads, or OpenMP threads of the Brian2 standalone binary (1: none); >= 1.

    Raises
    ------
    ParameterError
        For an unknown backend, mode or target, a target or mode that the backend does not
        have, or threads < 1.
    """

    backend: str = "brian2"
    mode: str = "runtime"
    target: str | None = None
    threads: int = 1

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise ParameterError(
                f"backend = {self.backend!r}; allowed: {', '.join(BACKENDS)}",
                parameters=("backend",),
            )
        if int(self.threads) < 1:
            raise ParameterError(
                f"threads = {self.threads}; allowed: an integer >= 1", parameters=("threads",)
            )
        if self.backend == "nest":
            self._check_nest()
        else:
            self._check_brian2()

    def _check_nest(self) -> None:
        """NEST has neither a mode nor a code target."""
        if self.target is not None or self.mode != "runtime":
            name = "target" if self.target is not None else "mode"
            raise ParameterError(
                f"{name} = {getattr(self, name)!r} applies to the Brian2 backend only; the NEST "
                "backend has neither (leave it unset, or choose the Brian2 backend)",
                parameters=(name,),
            )

    def _check_brian2(self) -> None:
        """A known mode; a known code target, for the runtime mode only."""
        if self.mode not in BRIAN2_MODES:
            raise ParameterError(
                f"mode = {self.mode!r}; allowed: {', '.join(BRIAN2_MODES)}", parameters=("mode",)
            )
        if self.target is None:
            return
        if self.mode == "standalone":
            raise ParameterError(
                f"target = {self.target!r} applies to the Brian2 runtime mode only; the "
                "standalone mode compiles C++ (leave it unset, or choose the runtime mode)",
                parameters=("target",),
            )
        if self.target not in RUNTIME_TARGETS:
            raise ParameterError(
                f"target = {self.target!r}; allowed: {', '.join(RUNTIME_TARGETS)}",
                parameters=("target",),
            )

    @property
    def engine(self) -> str:
        """Name of the selected engine in :data:`adexmf.engines.seam.ENGINES`.

        ``"brian2-runtime"``, ``"brian2-standalone"`` or ``"nest"``.
        """
        return f"brian2-{self.mode}" if self.backend == "brian2" else self.backend
