"""Figure helpers: every mean-field figure is written as PNG and SVG."""

from __future__ import annotations

import functools

import numpy as np

from adexmf import stimuli
from adexmf.figures.meanfield import (
    plot_fixed_points_vs_drive,
    plot_phase_planes,
    plot_rate_comparison,
    plot_time_course,
)
from adexmf.meanfield import MeanFieldModel, drive_scan, phase_plane, run


def check(paths):
    assert [p.suffix for p in paths] == [".png", ".svg"]
    assert all(p.stat().st_size > 5_000 for p in paths)
    assert paths[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_figures_are_written(tmp_path):
    stim = functools.partial(stimuli.double_gaussian, amplitude=2.0, t0=0.1, tau1=0.02,
                             tau2=0.04)  # fmt: skip
    plain = MeanFieldModel("zerlaut2018", order=2)
    adapting = MeanFieldModel("zerlaut2018", order=1, adaptation=True)
    runs = [run(m, 0.3, drive=4.0, afferent=stim, record_every=5) for m in (plain, adapting)]
    check(plot_time_course(runs[0], tmp_path / "course.png"))
    check(plot_time_course(runs[1], tmp_path / "course_w"))
    check(plot_rate_comparison(runs, ["second order", "adaptation"], tmp_path / "cmp.svg"))
    planes = [phase_plane(plain, d, n_grid=15, duration=0.02) for d in (0.0, 4.0)]
    check(plot_phase_planes(planes, tmp_path / "pp.png"))
    scan = drive_scan("zerlaut2018", np.array([0.0, 2.0, 4.0]))
    check(plot_fixed_points_vs_drive(scan, tmp_path / "scan.png"))
