"""The typed configuration of a study (``adexmf run --config FILE.toml``).

A study is a list of stages, each with its own table of settings. The TOML file is written in
human units (``"4 Hz"``, ``"1.5 s"``); :func:`load_study` parses every value once, checks it
against its allowed range and returns frozen dataclasses in SI units, with the preset loaded
once and carried as an object. Every error names the ``[section] key`` the user wrote, the
value and what is allowed, before any stage runs. :func:`study_toml` writes a configuration
back as TOML in human units (``adexmf run --print-config``); loading that text gives the same
configuration.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w

from ..compare.protocol import PROTOCOL_NAMES, SCALES
from ..errors import AdexmfError, ParameterError, check_range
from ..meanfield.variants import COLUMN_VARIANTS, VARIANTS
from ..params import Preset, Ring, load_preset
from ..ring.settings import DEFAULT_VSD_INPUT, VSD_INPUTS
from ..stimuli import Stimulus, parse_stimulus
from ..store import read_text
from ..sweep import task_key
from ..units import format_quantity, parse_quantity

#: The stages of a study, in the order they run.
STAGES = ("transfer", "meanfield", "network", "compare", "ring", "vsdi", "brain")
#: The shipped example recording (``adexmf/data``).
EXAMPLE_RECORDING = "example"
#: Largest seed of a network run (NEST needs seed + 1 < 2**31).
MAX_SEED = 2**31 - 2


def _setting(unit: str, human: str, low: float | None = None, high: float | None = None,
             *, strict_low: bool = False) -> dict[str, Any]:
    """Field metadata of a quantity: SI ``unit``, the ``human`` unit of the TOML file, range."""
    return {"unit": unit, "human": human, "low": low, "high": high, "strict_low": strict_low}


def _count(low: int, high: int) -> dict[str, Any]:
    """Field metadata of an integer setting in [low, high]."""
    return {"count": (low, high)}


def _names(allowed: tuple[str, ...]) -> dict[str, Any]:
    """Field metadata of a list of names taken from ``allowed``."""
    return {"names": allowed}


@dataclass(frozen=True)
class TransferSettings:
    """Transfer functions: a table of the preset's; optionally the single-cell fit.

    Attributes
    ----------
    characterize : bool
        Characterise and fit each cell (minutes per cell).
    cells : tuple of str
        Cells characterised ("RS", "FS").
    seeds : int
        Seeds per grid point of the characterisation (4-64).
    duration : float
        Simulated time per grid point and seed (s).
    """

    characterize: bool = False
    cells: tuple[str, ...] = field(default=("RS", "FS"), metadata=_names(("RS", "FS")))
    seeds: int = field(default=8, metadata=_count(4, 64))
    duration: float = field(default=10.0, metadata=_setting("s", "s", 0.0, 1e3, strict_low=True))


@dataclass(frozen=True)
class MeanFieldSettings:
    """Mean field: fixed points vs drive (0 to ``max_drive``), a time course, phase planes.

    Attributes
    ----------
    max_drive : float
        Largest drive of the fixed-point scan (Hz). The default, 8 Hz, keeps the reference
        preset inside the domain of its fitted transfer functions (nu_i <= 20 Hz: 18.1 Hz
        at 8 Hz of drive, 20.0 Hz at 9 Hz), so the study opens without a validity warning.
    drive : float
        Drive of the time course and of the second phase plane (Hz).
    duration : float
        Biological time of the time course (s).
    stimulus : str
        Afferent stimulus of the time course, ``KIND:NAME=VALUE,...``
        (:func:`adexmf.stimuli.parse_stimulus`); parsed once into :attr:`afferent`.
    """

    max_drive: float = field(default=8.0, metadata=_setting("Hz", "Hz", 0.0, 100.0,
                                                             strict_low=True))
    drive: float = field(default=4.0, metadata=_setting("Hz", "Hz", 0.0, 100.0))
    duration: float = field(default=1.2, metadata=_setting("s", "s", 0.0, 100.0,
                                                           strict_low=True))
    stimulus: str = field(default="double-gaussian:A=2Hz,t0=800ms,tau1=60ms,tau2=100ms",
                          metadata={"stimulus": True})

    @property
    def afferent(self) -> Stimulus:
        """The stimulus, parsed (checked at load)."""
        return parse_stimulus(self.stimulus)


@dataclass(frozen=True)
class NetworkSettings:
    """The 10,000-neuron network of Fig. 3: ``seed`` of every random draw."""

    seed: int = field(default=5, metadata=_count(0, MAX_SEED))


@dataclass(frozen=True)
class CompareSettings:
    """Comparison protocols of the mean-field variants against the network.

    Attributes
    ----------
    protocols : tuple of str
        Protocols run (:data:`adexmf.compare.protocol.PROTOCOL_NAMES`).
    variants : tuple of str
        Mean-field variants (:data:`adexmf.meanfield.variants.VARIANTS`).
    drive : float
        External drive (Hz).
    stimulus : {"code", "text"}
        Stimulus amplitudes of the authors' code or of the paper's text.
    """

    protocols: tuple[str, ...] = field(
        default=("stationary", "transient", "frequency", "integrative"),
        metadata=_names(PROTOCOL_NAMES),
    )
    variants: tuple[str, ...] = field(
        default=("reference", "corrected", "adaptation", "adaptation-WT"),
        metadata=_names(tuple(VARIANTS)),
    )
    drive: float = field(default=4.0, metadata=_setting("Hz", "Hz", 0.0, 100.0))
    stimulus: str = field(default="code", metadata={"choices": ("code", "text")})


@dataclass(frozen=True)
class RingSettings:
    """The ring of first-order columns (Figs 9 and 11).

    Attributes
    ----------
    n_units : int
        Columns on the ring.
    conduction_velocity : float
        Axonal conduction velocity (m/s).
    duration : float
        Biological time of each run (s).
    vsd_input : {"lateral", "total"}
        Inputs the VSD-like signal sees: the lateral ones (the default, as the VSDi fit) or
        the afferent input too.
    """

    n_units: int = field(default=120, metadata=_count(3, 2000))
    conduction_velocity: float = field(default=0.3, metadata=_setting("m/s", "mm/s", 0.05, 0.6))
    duration: float = field(default=0.6, metadata=_setting("s", "s", 0.0, 100.0,
                                                           strict_low=True))
    vsd_input: str = field(default=DEFAULT_VSD_INPUT, metadata={"choices": VSD_INPUTS})

    def ring(self) -> Ring:
        """The ring's geometry: the paper's, with these columns and this velocity."""
        return Ring().replace(n_units=self.n_units, v_c=self.conduction_velocity)


@dataclass(frozen=True)
class VsdiSettings:
    """The ring fitted to a VSDi recording.

    Attributes
    ----------
    recording : str
        ``"example"`` (the recording shipped with the package) or a ``.mat`` file.
    n_points : int
        Points per parameter of the scan grid (n_points ** 6 rings). Quick: 3 (729 rings, a
        scan 5.6x smaller than 4's, the largest part of a first run's VSDi stage; on the
        example recording ``adexmf vsdi fit FILE --points 3`` reaches a residual of 225.0
        after the local fit where ``--points 4`` reaches 219.6); paper: 5 (15,625 rings).
    n_units : int
        Columns of the fitted ring.
    """

    recording: str = EXAMPLE_RECORDING
    n_points: int = field(default=3, metadata=_count(2, 8))
    n_units: int = field(default=60, metadata=_count(3, 2000))


@dataclass(frozen=True)
class BrainSettings:
    """A network of columns on a connectome (SPEC 11): one run with noise and BOLD; at
    paper scale also the coupling x b sweep (:func:`adexmf.brain.sweep.brain_sweep`).

    Attributes
    ----------
    connectome : str
        ``"synthetic68"`` (embedded), a tvb-data name or a TVB file.
    variant : str
        Column of every region: a mean-field variant or ``"tvb_zerlaut"``.
    coupling : float
        Global coupling G of the run (dimensionless).
    drive : float
        External drive of every region (Hz).
    noise : float
        Standard deviation of the OU noise on the long-range input (Hz).
    duration : float
        Biological time of the run (s); BOLD needs more than 13 s.
    sweep : bool
        Also sweep G over 0-1 and b over 0-150 pA (30 points, 10 s each, on Dask).
    """

    connectome: str = "synthetic68"
    variant: str = field(default="adaptation-W",
                         metadata={"choices": (*COLUMN_VARIANTS, "tvb_zerlaut")})  # fmt: skip
    coupling: float = field(default=0.3, metadata=_setting("", "", 0.0, 1e4))
    drive: float = field(default=4.0, metadata=_setting("Hz", "Hz", 0.0, 100.0))
    noise: float = field(default=1.0, metadata=_setting("Hz", "Hz", 0.0, 100.0))
    duration: float = field(default=30.0, metadata=_setting("s", "s", 0.0, 1e4, strict_low=True))
    sweep: bool = False


#: Stage name -> its settings class.
SETTINGS: dict[str, type] = {
    "transfer": TransferSettings,
    "meanfield": MeanFieldSettings,
    "network": NetworkSettings,
    "compare": CompareSettings,
    "ring": RingSettings,
    "vsdi": VsdiSettings,
    "brain": BrainSettings,
}


@dataclass(frozen=True)
class StudyConfig:
    """A whole study: its scale, its preset (loaded once), its stages and their settings.

    Attributes
    ----------
    scale : {"quick", "paper"}
    preset_source : str
        The preset as the user named it (a shipped name or a TOML file).
    preset : Preset
        The preset, loaded once at load time.
    stages : tuple of str
        Stages run, in :data:`STAGES` order.
    transfer, meanfield, network, compare, ring, vsdi, brain
        The settings of each stage (SI units).
    """

    scale: str
    preset_source: str
    preset: Preset
    stages: tuple[str, ...]
    transfer: TransferSettings
    meanfield: MeanFieldSettings
    network: NetworkSettings
    compare: CompareSettings
    ring: RingSettings
    vsdi: VsdiSettings
    brain: BrainSettings

    def settings(self, stage: str) -> Any:
        """The settings of ``stage``."""
        return getattr(self, stage)

    def with_stages(self, stages: list[str] | tuple[str, ...]) -> StudyConfig:
        """The same study restricted to ``stages`` (checked)."""
        chosen = _check_names("stages", list(stages), STAGES)
        return dataclasses.replace(self, stages=tuple(s for s in STAGES if s in chosen))

    def preset_key(self) -> str:
        """Digest of the preset's content: any change of a value invalidates cached stages."""
        return task_key(self.preset.to_mapping())


#: What the paper scale changes: the single-cell characterisation and fit, every
#: comparison protocol (validity map included), the 5^6 VSDi scan and the brain sweep.
_PAPER_CHANGES: dict[str, dict[str, Any]] = {
    "transfer": {"characterize": True},
    "compare": {"protocols": list(PROTOCOL_NAMES)},
    "vsdi": {"n_points": 5},
    "brain": {"sweep": True},
}


# ---------------------------------------------------------------- human units <-> SI
def _to_text(f: dataclasses.Field, value: Any) -> Any:
    """A setting as the TOML file writes it (human units)."""
    meta = f.metadata
    if "unit" in meta:
        return format_quantity(value, meta["unit"], meta["human"])
    if isinstance(value, tuple):
        return list(value)
    return value


def settings_mapping(settings: Any) -> dict[str, Any]:
    """The settings of a stage as a TOML table (human units)."""
    return {f.name: _to_text(f, getattr(settings, f.name)) for f in dataclasses.fields(settings)}


def _check_names(where: str, value: Any, allowed: tuple[str, ...]) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ParameterError(f"{where} = {value!r}; allowed: a list of names from "
                             f"{', '.join(allowed)}")  # fmt: skip
    bad = [v for v in value if v not in allowed]
    if bad:
        raise ParameterError(f"{where} = {value!r}: {bad[0]!r} is not one of {', '.join(allowed)}")
    return value


def _from_text(where: str, f: dataclasses.Field, value: Any) -> Any:
    """Parse and check one setting written by the user; errors name ``where``."""
    meta = f.metadata
    if "unit" in meta:
        if not isinstance(value, str):
            raise ParameterError(f'{where} = {value!r}; write it with its unit, e.g. '
                                 f'"1 {meta["human"]}"')  # fmt: skip
        si = parse_quantity(value, meta["unit"], name=where)
        check_range(where, si, meta["low"], meta["high"], unit=meta["unit"],
                    low_inclusive=not meta["strict_low"])  # fmt: skip
        return si
    if "names" in meta:
        return tuple(_check_names(where, value, meta["names"]))
    if "count" in meta:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ParameterError(f"{where} = {value!r}; allowed: an integer")
        return int(check_range(where, value, *meta["count"]))
    if "stimulus" in meta:
        try:
            parse_stimulus(value)
        except AdexmfError as exc:
            raise ParameterError(f"{where} = {value!r}: {exc}") from None
    if "choices" in meta and value not in meta["choices"]:
        raise ParameterError(f"{where} = {value!r}; allowed: {', '.join(meta['choices'])}")
    if not isinstance(value, type(f.default)):
        raise ParameterError(f"{where} = {value!r}; allowed: a {type(f.default).__name__}")
    return value


def _stage_settings(stage: str, table: Any, base: Any) -> Any:
    """The settings of ``stage``: ``base`` changed by the user's ``table``."""
    if not isinstance(table, dict):
        raise ParameterError(f"[{stage}] must be a table, got {table!r}")
    fields = {f.name: f for f in dataclasses.fields(base)}
    changes = {}
    for key, value in table.items():
        if key not in fields:
            raise ParameterError(f"unknown setting [{stage}] {key}; allowed: {', '.join(fields)}")
        changes[key] = _from_text(f"[{stage}] {key}", fields[key], value)
    return dataclasses.replace(base, **changes)


def _scale_defaults(scale: str) -> dict[str, Any]:
    """Default settings of every stage at ``scale``."""
    defaults = {name: cls() for name, cls in SETTINGS.items()}
    if scale == "paper":
        for stage, changes in _PAPER_CHANGES.items():
            defaults[stage] = _stage_settings(stage, changes, defaults[stage])
    return defaults


def default_study(scale: str = "quick", preset: str = "zerlaut2018") -> StudyConfig:
    """The default study of a scale.

    Parameters
    ----------
    scale : {"quick", "paper"}
    preset : str
        Preset name or TOML file.
    """
    return study_from_mapping({"scale": scale, "preset": preset})


def study_from_mapping(changes: dict[str, Any], scale: str | None = None) -> StudyConfig:
    """A study from a TOML-like mapping (human units) that states what it changes.

    Raises
    ------
    ParameterError
        Naming the ``[section] key``, the value and what is allowed.
    """
    chosen = scale or changes.get("scale", "quick")
    if not isinstance(chosen, str) or chosen not in SCALES:
        raise ParameterError(f"scale = {chosen!r}; allowed: {', '.join(SCALES)}")
    allowed = {"scale", "preset", "stages", *STAGES}
    for key in changes:
        if key not in allowed:
            raise ParameterError(f"unknown setting {key!r}; allowed: {', '.join(sorted(allowed))}")
    source = changes.get("preset", "zerlaut2018")
    if not isinstance(source, str):
        raise ParameterError(f"preset = {source!r}; allowed: a preset name or file")
    stages = _check_names("stages", changes.get("stages", list(STAGES)), STAGES)
    defaults = _scale_defaults(chosen)
    tables = {s: _stage_settings(s, changes.get(s, {}), defaults[s]) for s in STAGES}
    try:
        preset = load_preset(source)
    except AdexmfError as exc:
        raise ParameterError(f"preset = {source!r}: {exc}") from None
    return StudyConfig(scale=chosen, preset_source=source, preset=preset,
                       stages=tuple(s for s in STAGES if s in stages), **tables)  # fmt: skip


def load_study(
    path: str | Path | None = None, scale: str | None = None, *, hint: str = ""
) -> StudyConfig:
    """A study: the defaults of its scale, changed by a TOML file, checked whole.

    Parameters
    ----------
    path : str or Path, optional
        TOML file (``adexmf run --print-config`` writes a complete one).
    scale : {"quick", "paper"}, optional
        Overrides the file's ``scale`` (default: the file's, else quick).
    hint : str
        What to do when ``path`` cannot be read (the caller's words, e.g. how to write one).

    Returns
    -------
    StudyConfig
        Every setting parsed to SI and range-checked, the preset loaded.
    """
    changes: dict[str, Any] = {}
    if path is not None:
        text = read_text(path, what="study configuration file", hint=hint)
        try:
            changes = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ParameterError(f"study file {str(path)!r} is not valid TOML: {exc}") from None
    return study_from_mapping(changes, scale)


def study_mapping(config: StudyConfig) -> dict[str, Any]:
    """A study as a TOML mapping (human units)."""
    return {
        "scale": config.scale,
        "preset": config.preset_source,
        "stages": list(config.stages),
        **{s: settings_mapping(config.settings(s)) for s in STAGES},
    }


def study_toml(config: StudyConfig) -> str:
    """A study as the TOML text that :func:`load_study` reads back to the same study."""
    head = (
        "# adexmf study configuration. Quantities carry their units;\n"
        "# a file may state only what it changes. Stages: " + ", ".join(STAGES) + ".\n"
    )
    return head + tomli_w.dumps(study_mapping(config))
