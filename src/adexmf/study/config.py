"""The configuration of a study (``adexmf run --config FILE.toml``).

A study is a list of stages, each with its own table of settings written in human units
(``"4 Hz"``, ``"1.5 s"``). :func:`default_config` gives the defaults of a scale,
:func:`config_toml` writes them as a TOML file, :func:`load_config` reads one back: a file
only states what it changes, and every unknown key, wrong type or bad unit is an error that
names the key, the value and what is allowed, before any stage runs.
"""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

import tomli_w

from ..errors import ParameterError, check_range
from ..store import read_text
from ..units import parse_quantity

#: The stages of a study, in the order they run.
STAGES = ("transfer", "meanfield", "network", "compare", "ring", "vsdi")
SCALES = ("quick", "paper")
#: Comparison protocols (:mod:`adexmf.compare.stages`).
PROTOCOLS = ("stationary", "transient", "frequency", "integrative", "validity")
#: The shipped example recording (``adexmf/data``).
EXAMPLE_RECORDING = "example"

_COMMON: dict[str, Any] = {
    "preset": "zerlaut2018",
    "stages": list(STAGES),
    "transfer": {"characterize": False, "cells": ["RS", "FS"], "seeds": 8, "duration": "10 s"},
    "meanfield": {
        "max_drive": "20 Hz",
        "drive": "4 Hz",
        "duration": "1.2 s",
        "stimulus": "double-gaussian:A=2Hz,t0=800ms,tau1=60ms,tau2=100ms",
    },
    "network": {"seed": 5},
    "compare": {
        "protocols": ["stationary", "transient", "frequency", "integrative"],
        "variants": ["reference", "corrected", "adaptation", "adaptation-WT"],
        "drive": "4 Hz",
        "stimulus": "code",
    },
    "ring": {"n_units": 120, "conduction_velocity": "300 mm/s", "duration": "0.6 s"},
    "vsdi": {"recording": EXAMPLE_RECORDING, "n_points": 4, "n_units": 60},
}
#: What the paper scale changes: the single-cell characterisation and fit, every
#: comparison protocol (validity map included) and the 5^6 VSDi scan.
_PAPER: dict[str, Any] = {
    "transfer": {"characterize": True},
    "compare": {"protocols": list(PROTOCOLS)},
    "vsdi": {"n_points": 5},
}

#: (unit or type) of every setting: a unit string is parsed as a quantity.
_KINDS: dict[str, dict[str, Any]] = {
    "transfer": {"characterize": bool, "cells": list, "seeds": int, "duration": "s"},
    "meanfield": {"max_drive": "Hz", "drive": "Hz", "duration": "s", "stimulus": str},
    "network": {"seed": int},
    "compare": {"protocols": list, "variants": list, "drive": "Hz", "stimulus": str},
    "ring": {"n_units": int, "conduction_velocity": "m/s", "duration": "s"},
    "vsdi": {"recording": str, "n_points": int, "n_units": int},
}


def _merge(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def default_config(scale: str = "quick") -> dict[str, Any]:
    """The default study of a scale (human units, as a TOML file writes them).

    Parameters
    ----------
    scale : {"quick", "paper"}

    Returns
    -------
    dict
        ``scale``, ``preset``, ``stages`` and one table per stage.
    """
    if scale not in SCALES:
        raise ParameterError(f"scale = {scale!r}; allowed: {', '.join(SCALES)}")
    config = _merge(_COMMON, _PAPER) if scale == "paper" else copy.deepcopy(_COMMON)
    return {"scale": scale, **config}


def config_toml(config: dict[str, Any]) -> str:
    """A study configuration as the TOML text ``--config`` reads."""
    head = (
        "# adexmf study (adexmf run --config FILE.toml). Quantities carry their units;\n"
        "# a file may state only what it changes. Stages: " + ", ".join(STAGES) + ".\n"
    )
    return head + tomli_w.dumps(config)


def _check_list(where: str, value: Any, allowed: tuple[str, ...] | None = None) -> None:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ParameterError(f"{where} = {value!r}; allowed: a list of names")
    if allowed is not None:
        bad = [v for v in value if v not in allowed]
        if bad:
            raise ParameterError(f"{where} = {value!r}: {bad[0]!r} is not one of "
                                 f"{', '.join(allowed)}")  # fmt: skip


def _check_setting(stage: str, key: str, value: Any) -> None:
    where = f"[{stage}] {key}"
    kind = _KINDS[stage].get(key)
    if kind is None:
        raise ParameterError(f"unknown setting {where}; allowed: {', '.join(_KINDS[stage])}")
    if isinstance(kind, str):
        if not isinstance(value, str):
            raise ParameterError(f'{where} = {value!r}; write it with its unit, e.g. "1 {kind}"')
        parse_quantity(value, kind, name=where)
    elif kind is list:
        _check_list(where, value)
    elif kind is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise ParameterError(f"{where} = {value!r}; allowed: an integer")
    elif kind is not int and not isinstance(value, kind):
        raise ParameterError(f"{where} = {value!r}; allowed: a {kind.__name__}")


def check_config(config: dict[str, Any]) -> dict[str, Any]:
    """Validate a full configuration; return it unchanged.

    Raises
    ------
    ParameterError
        Naming the key, the value and what is allowed.
    """
    allowed = {"scale", "preset", "stages", *STAGES}
    for key in config:
        if key not in allowed:
            raise ParameterError(f"unknown setting {key!r}; allowed: {', '.join(sorted(allowed))}")
    if config["scale"] not in SCALES:
        raise ParameterError(f"scale = {config['scale']!r}; allowed: {', '.join(SCALES)}")
    if not isinstance(config["preset"], str):
        raise ParameterError(f"preset = {config['preset']!r}; allowed: a preset name or file")
    _check_list("stages", config["stages"], STAGES)
    for stage in STAGES:
        if not isinstance(config[stage], dict):
            raise ParameterError(f"[{stage}] must be a table, got {config[stage]!r}")
        for key, value in config[stage].items():
            _check_setting(stage, key, value)
    _check_list("[compare] protocols", config["compare"]["protocols"], PROTOCOLS)
    if config["compare"]["stimulus"] not in ("code", "text"):
        raise ParameterError(
            f"[compare] stimulus = {config['compare']['stimulus']!r}; allowed: code (the "
            "authors' code), text (the paper's text)"
        )
    _check_list("[transfer] cells", config["transfer"]["cells"], ("RS", "FS"))
    check_range("[transfer] seeds", config["transfer"]["seeds"], 4, 64)
    check_range("[vsdi] n_points", config["vsdi"]["n_points"], 2, 8)
    check_range("[ring] n_units", config["ring"]["n_units"], 3, 2000)
    from ..compare.variants import VARIANTS

    _check_list("[compare] variants", config["compare"]["variants"], tuple(VARIANTS))
    return config


def load_config(path: str | Path | None = None, scale: str | None = None) -> dict[str, Any]:
    """A study: the defaults of its scale, changed by a TOML file.

    Parameters
    ----------
    path : str or Path, optional
        TOML file (``adexmf run --print-config`` writes a complete one).
    scale : {"quick", "paper"}, optional
        Overrides the file's ``scale`` (default: the file's, else quick).

    Returns
    -------
    dict
        The checked configuration (human units).
    """
    changes: dict[str, Any] = {}
    if path is not None:
        text = read_text(path, what="--config", hint="write one with adexmf run --print-config")
        try:
            changes = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ParameterError(f"--config {str(path)!r} is not valid TOML: {exc}") from None
    chosen = scale or changes.get("scale", "quick")
    if not isinstance(chosen, str) or chosen not in SCALES:
        raise ParameterError(f"scale = {chosen!r}; allowed: {', '.join(SCALES)}")
    base = default_config(chosen)
    for key, value in changes.items():
        if key in STAGES and not isinstance(value, dict):
            raise ParameterError(f"[{key}] must be a table, got {value!r}")
    return check_config(_merge(base, {**changes, "scale": chosen}))
