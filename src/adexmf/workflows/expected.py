"""How long each stage of a study took the last time it ran on this machine, at each scale:
the progress line's expected share of the study. Kept in the user cache
(``<user cache>/adexmf/stage-seconds.json``); a missing or unreadable file only means no
estimate (the first run on a machine has none)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import platformdirs

from ..store import write_text

FILE_NAME = "stage-seconds.json"


def history_path() -> Path:
    """Where the stage times are kept."""
    return Path(platformdirs.user_cache_dir("adexmf")) / FILE_NAME


def _read() -> dict[str, dict[str, float]]:
    try:
        data = json.loads(history_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def expected_shares(scale: str, stages: Sequence[str]) -> dict[str, float]:
    """Each stage's share (0-1) of the study's expected time, from the last run of every one
    of ``stages`` at ``scale`` on this machine; empty when any of them has no time yet."""
    last = _read().get(scale, {})
    seconds = [last.get(name) for name in stages]
    if any(not isinstance(s, int | float) or s < 0 for s in seconds):
        return {}
    total = float(sum(seconds))
    if total <= 0.0:
        return {}
    return {name: float(s) / total for name, s in zip(stages, seconds, strict=True)}


def remember(scale: str, stage: str, seconds: float) -> None:
    """Record that ``stage`` took ``seconds`` (s) at ``scale``. Never fails the study: an
    unwritable cache only loses the estimate."""
    data = _read()
    data.setdefault(scale, {})[stage] = round(float(seconds), 3)
    try:
        history_path().parent.mkdir(parents=True, exist_ok=True)
        write_text(json.dumps(data, indent=1, sort_keys=True), history_path())
    except Exception:  # noqa: BLE001 (an estimate is not worth a failed study)
        return
