"""Pre-processing of VSDI maps and of model maps, the same way for both (SPEC 9).

A map ``m(t, x)`` on a uniform time grid goes through:

1. **temporal smoothing** by a boxcar of ``smoothing_frames`` data frames (4 by default, as
   the authors). Default ``"centred"``: the boxcar is centred on each time (zero phase; for
   an even number of frames its end samples weigh 1/2, the trapezoid of a continuous boxcar
   of 4 frames). ``"code"``: NumPy's ``convolve(..., "same")`` of 4 equal weights, which
   delays the signal by half a frame (4.5 ms);
2. **centring**: the centre time is the peak of the spatial mean (refined between frames by
   a parabola through the top three samples, default; ``peak="grid"`` keeps the sample, as
   the authors), the centre position is the peak of the temporal mean over
   ``centre_halfwidth`` around that time (same refinement). Time and space are then
   relative to the centre;
3. **window**: -100 ms to +300 ms around the centre time, on the data's frame grid;
4. **normalisation** by the maximum of the smoothed map in the window.

Missing rows (all-NaN positions) stay missing and are left out of every mean and of the
residual (default, ``nan="mask"``); ``nan="zero"`` replaces them by 0 as the authors.

The model map goes through the same steps (its smoothing is the same boxcar in seconds, on
its own time step) and is then read at the data's relative grid by linear interpolation
(default, ``resample="linear"``); ``resample="code"`` takes the first model sample at or
after each frame, as the authors. Everything works on a stack of maps (leading axes), so one
call pre-processes the 15,625 maps of a scan.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ParameterError, check_range

#: Window around the centre time (s): SPEC 9.
WINDOW = (-0.1, 0.3)


@dataclass(frozen=True)
class Preprocessing:
    """Choices of the pre-processing; the defaults are defensible, the [code] quirks named.

    Attributes
    ----------
    smoothing_frames : int
        Width of the temporal boxcar, in data frames (0 or 1: none).
    smoothing : {"centred", "code"}
        Zero-phase boxcar, or the authors' half-frame-delayed one.
    peak : {"parabola", "grid"}
        Centre between samples (smooth in the model's parameters) or on a sample.
    centre_halfwidth : float
        Half-width (s) of the temporal mean that locates the centre position.
    window : tuple of float
        Window (s) around the centre time.
    nan : {"mask", "zero"}
        Missing data left out, or set to 0 [code].
    resample : {"linear", "code"}
        Model read at the data frames by interpolation, or first sample at/after [code].
    """

    smoothing_frames: int = 4
    smoothing: str = "centred"
    peak: str = "parabola"
    centre_halfwidth: float = 0.02
    window: tuple[float, float] = WINDOW
    nan: str = "mask"
    resample: str = "linear"

    def __post_init__(self) -> None:
        choices = {
            "smoothing": ("centred", "code"),
            "peak": ("parabola", "grid"),
            "nan": ("mask", "zero"),
            "resample": ("linear", "code"),
        }
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise ParameterError(
                    f"Preprocessing.{name} = {getattr(self, name)!r}; allowed: {', '.join(allowed)}"
                )
        check_range("Preprocessing.smoothing_frames", self.smoothing_frames, 0, 50)
        check_range("Preprocessing.centre_halfwidth", self.centre_halfwidth, 0.0, 0.5, unit="s")
        lo, hi = self.window
        if not -1.0 <= lo < 0.0 < hi <= 2.0:
            raise ParameterError(
                f"Preprocessing.window = {self.window!r} s; allowed: -1 <= start < 0 < end <= 2"
            )

    @classmethod
    def code(cls) -> Preprocessing:
        """The authors' choices (SPEC 9 [code]), for comparison."""
        return cls(smoothing="code", peak="grid", nan="zero", resample="code")


# ----------------------------------------------------------------------------- steps
def smooth_time(maps: np.ndarray, dt: float, width: float, kind: str = "centred") -> np.ndarray:
    """Boxcar average over ``width`` (s) along the time axis (-2) of ``maps`` sampled at ``dt`` (s).

    ``"centred"``: the exact mean of the piecewise-linear signal over [t - w/2, t + w/2]
    (edges held constant); ``"code"``: ``round(width / dt)`` equal weights, NumPy ``"same"``
    alignment (edges zero-padded as NumPy does). NaNs propagate (masked later).
    """
    if width <= dt:
        return maps.copy()
    if kind == "code":
        n = int(round(width / dt))
        kernel = np.ones(n) / n
        return np.apply_along_axis(lambda v: np.convolve(v, kernel, mode="same"), -2, maps)
    n_t = maps.shape[-2]
    t = np.arange(n_t) * dt
    # cumulative integral of the linear interpolant, read at t +- w/2 (clamped: edge hold)
    cum = np.concatenate(
        [np.zeros_like(maps[..., :1, :]),
         np.cumsum(0.5 * (maps[..., 1:, :] + maps[..., :-1, :]) * dt, axis=-2)],
        axis=-2,
    )  # fmt: skip

    def integral(s: np.ndarray) -> np.ndarray:
        inside = np.clip(s, 0.0, t[-1])
        k = np.minimum((inside / dt).astype(np.int64), n_t - 2)
        f = ((inside - t[k]) / dt)[:, None]
        a, b = maps[..., k, :], maps[..., k + 1, :]
        part = cum[..., k, :] + dt * (a * f + 0.5 * (b - a) * f * f)
        # beyond the edges the signal is held at its edge value
        below = np.minimum(s, 0.0)[:, None]
        above = np.maximum(s - t[-1], 0.0)[:, None]
        return part + below * maps[..., :1, :] + above * maps[..., -1:, :]

    half = 0.5 * width
    return (integral(t + half) - integral(t - half)) / width


def refine_peak(values: np.ndarray, coords: np.ndarray, how: str = "parabola") -> np.ndarray:
    """Coordinate of the maximum of ``values`` along its last axis (evenly spaced ``coords``),
    refined by a parabola through the top three samples; NaNs ignored."""
    v = np.where(np.isfinite(values), values, -np.inf)
    k = np.argmax(v, axis=-1)
    c = coords[k]
    if how == "grid" or coords.size < 3:
        return c
    step = coords[1] - coords[0]
    inner = (k > 0) & (k < coords.size - 1)
    kk = np.clip(k, 1, coords.size - 2)
    y0 = np.take_along_axis(v, (kk - 1)[..., None], -1)[..., 0]
    y1 = np.take_along_axis(v, kk[..., None], -1)[..., 0]
    y2 = np.take_along_axis(v, (kk + 1)[..., None], -1)[..., 0]
    curv = y0 - 2.0 * y1 + y2
    ok = inner & np.isfinite(y0 + y1 + y2) & (curv < 0.0)
    shift = np.where(ok, 0.5 * (y0 - y2) / np.where(ok, curv, -1.0), 0.0)
    return c + np.clip(shift, -0.5, 0.5) * step * ok


def interp_time(maps: np.ndarray, dt: float, times: np.ndarray, how: str = "linear") -> np.ndarray:
    """Read ``maps`` (..., n_t, n_x), sampled at k dt, at ``times`` (..., n_new) (s), per map.

    Outside the sampled range the edge value is held. ``how="code"``: the first sample at or
    after each time instead of the interpolation.
    """
    n_t = maps.shape[-2]
    u = np.clip(times / dt, 0.0, n_t - 1.0)
    if how == "code":
        k = np.minimum(np.ceil(u - 1e-9).astype(np.int64), n_t - 1)
        return np.take_along_axis(maps, k[..., None], -2)
    k = np.minimum(np.floor(u).astype(np.int64), n_t - 2)
    f = (u - k)[..., None]
    lo = np.take_along_axis(maps, k[..., None], -2)
    hi = np.take_along_axis(maps, (k + 1)[..., None], -2)
    return lo * (1.0 - f) + hi * f


# ----------------------------------------------------------------------------- data
@dataclass(frozen=True)
class Prepared:
    """A pre-processed data map: relative grid, normalised values, and where it came from.

    Attributes
    ----------
    values : ndarray (n_t, n_x)
        Map normalised by ``scale`` (NaN where missing).
    t_rel, x_rel : ndarray
        Times (s) and positions (m) relative to the centre.
    t_centre, x_centre : float
        The centre in the recording's own time (s) and space (m).
    scale : float
        The divisor (dF/F).
    baseline : ndarray (n_pre, n_x)
        Normalised frames before the window (the noise sample), NaN where missing.
    frame : float
        Frame interval (s).
    """

    values: np.ndarray
    t_rel: np.ndarray
    x_rel: np.ndarray
    t_centre: float
    x_centre: float
    scale: float
    baseline: np.ndarray
    frame: float

    @property
    def valid(self) -> np.ndarray:
        """Where the data exist (finite)."""
        return np.isfinite(self.values)


def _smoothed_data(values: np.ndarray, frame: float, opts: Preprocessing) -> np.ndarray:
    v = np.where(np.isfinite(values), values, 0.0) if opts.nan == "zero" else values
    if opts.smoothing_frames > 1:
        v = smooth_time(v, frame, opts.smoothing_frames * frame, opts.smoothing)
    return v


def _nanmean(values: np.ndarray, axis: int) -> np.ndarray:
    """Mean over finite entries (NaN where none), without NumPy's empty-slice warning."""
    ok = np.isfinite(values)
    n = ok.sum(axis=axis)
    total = np.where(ok, values, 0.0).sum(axis=axis)
    return np.where(n > 0, total / np.maximum(n, 1), np.nan)


def locate_centre(
    smoothed: np.ndarray, t: np.ndarray, x: np.ndarray, opts: Preprocessing
) -> tuple[float, float]:
    """Centre (s, m) of a smoothed data map (n_t, n_x): peak of the spatial mean in time,
    then peak of the temporal mean around it in space."""
    t_c = float(refine_peak(_nanmean(smoothed, axis=1), t, opts.peak))
    near = np.abs(t - t_c) <= max(opts.centre_halfwidth, 0.5 * (t[1] - t[0]))
    x_c = float(refine_peak(_nanmean(smoothed[near], axis=0), x, opts.peak))
    return t_c, x_c


def prepare_map(
    values: np.ndarray,
    t: np.ndarray,
    x: np.ndarray,
    opts: Preprocessing | None = None,
    *,
    centre: tuple[float, float] | None = None,
    scale: float | None = None,
    name: str = "the map",
) -> Prepared:
    """Pre-process one data map (n_t, n_x) on its time (s) and space (m) axes.

    Parameters
    ----------
    values : ndarray
        dF/F, time first (NaN: missing).
    t, x : ndarray
        Uniform axes (s, m).
    opts : Preprocessing, optional
        Choices (defaults: :class:`Preprocessing`).
    centre : (float, float), optional
        Use this centre (s, m) instead of locating it (e.g. the stim1 centre for the map of
        both stimuli).
    scale : float, optional
        Divide by this instead of the map's own maximum in the window (e.g. stim1's, so that
        held-out maps keep their amplitude relative to it).
    name : str
        What the map is, for the messages (e.g. ``"VSDI recording '/data/x.mat': map
        'stim1'"``).

    Raises
    ------
    ParameterError
        If the map has no finite value, or the window does not fit in the recording; the
        message starts with ``name``.
    """
    opts = opts or Preprocessing()
    values = np.asarray(values, dtype=np.float64)
    if values.shape != (t.size, x.size):
        raise ParameterError(
            f"{name}: shape {values.shape} does not match the axes ({t.size}, {x.size})"
        )
    if not np.isfinite(values).any():
        raise ParameterError(f"{name} has no finite value (every sample is NaN)")
    frame = float(t[1] - t[0])
    smoothed = _smoothed_data(values, frame, opts)
    t_c, x_c = locate_centre(smoothed, t, x, opts) if centre is None else centre
    lo, hi = opts.window
    # the frames inside the window: the data are not resampled, only re-labelled
    n = int(np.floor((hi - lo) / frame + 1e-9)) + 1
    k0 = max(int(np.ceil((lo - (t[0] - t_c)) / frame - 1e-9)), 0)
    k1 = min(int(np.floor((hi - (t[0] - t_c)) / frame + 1e-9)) + 1, t.size)
    if k1 - k0 < 0.5 * n:
        raise ParameterError(
            f"{name}: the window {lo * 1e3:g}..{hi * 1e3:g} ms around the centre t = "
            f"{t_c * 1e3:.1f} ms does not fit in the recording "
            f"({t[0] * 1e3:.1f}..{t[-1] * 1e3:.1f} ms)"
        )
    win = smoothed[k0:k1]
    s = float(np.nanmax(win)) if scale is None else float(scale)
    if not s > 0.0:
        raise ParameterError(f"{name}: its maximum in the window is {s:g}, not positive")
    return Prepared(
        values=win / s,
        t_rel=t[k0:k1] - t_c,
        x_rel=x - x_c,
        t_centre=t_c,
        x_centre=x_c,
        scale=s,
        baseline=smoothed[:k0] / s,
        frame=frame,
    )


# ----------------------------------------------------------------------------- model
def _space_weights(grid: np.ndarray, x_rel: np.ndarray, symmetric: bool) -> np.ndarray:
    """Linear-interpolation matrix (n_x, n_grid) reading a profile on the evenly spaced
    ``grid`` (m) at positions ``x_rel`` (m), held beyond its ends. ``symmetric``: the grid
    holds distances from 0 and the profile is read at |x_rel|."""
    dr = grid[1] - grid[0]
    pos = np.abs(x_rel) if symmetric else x_rel
    u = np.clip((pos - grid[0]) / dr, 0.0, grid.size - 1.0)
    k = np.minimum(np.floor(u).astype(np.int64), grid.size - 2)
    f = u - k
    W = np.zeros((x_rel.size, grid.size))
    W[np.arange(x_rel.size), k] = 1.0 - f
    W[np.arange(x_rel.size), k + 1] += f
    return W


def model_on_data_grid(
    maps: np.ndarray,
    dt: float,
    x_grid: np.ndarray,
    target: Prepared,
    opts: Preprocessing | None = None,
    *,
    symmetric: bool = True,
    reference: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pre-process model maps the way the data were and read them on the data's grid.

    Parameters
    ----------
    maps : ndarray (..., n_t, n_grid)
        Model dV/V0 at times k dt (s) and positions ``x_grid`` (m) relative to the centre
        of the (first) stimulus, any leading axes.
    dt : float
        Model sample interval (s).
    x_grid : ndarray
        Positions (m), evenly spaced; with ``symmetric``, distances from 0 (the maps of one
        centred stimulus, read at |x|).
    target : Prepared
        The pre-processed data map whose grid to use.
    opts : Preprocessing, optional
        The same choices as the data's.
    symmetric : bool
        Whether ``x_grid`` holds distances of a symmetric map.
    reference : (t_centre, scale), optional
        Centre times (s) and scales of each map to use instead of their own (held-out maps).

    Returns
    -------
    values : ndarray (..., n_t_data, n_x_data)
        Normalised model maps on the data grid.
    t_centre, scale : ndarray (...)
        Each map's centre time (s) on its own clock and its normalising maximum.
    """
    opts = opts or Preprocessing()
    width = opts.smoothing_frames * target.frame
    sm = smooth_time(maps, dt, width, opts.smoothing) if opts.smoothing_frames > 1 else maps
    W = _space_weights(x_grid, target.x_rel, symmetric)
    on_x = sm @ W.T  # (..., n_t, n_x)
    valid_x = np.isfinite(target.values).any(axis=0)
    if reference is None:
        t_model = np.arange(maps.shape[-2]) * dt
        spatial_mean = on_x[..., valid_x].mean(axis=-1)
        t_c = refine_peak(spatial_mean, t_model, opts.peak)
    else:
        t_c = np.broadcast_to(reference[0], maps.shape[:-2])
    times = t_c[..., None] + target.t_rel
    out = interp_time(on_x, dt, times, opts.resample)
    if reference is None:
        scale = np.max(out[..., valid_x], axis=(-2, -1))
    else:
        scale = np.broadcast_to(reference[1], maps.shape[:-2])
    scale = np.where(scale > 0.0, scale, 1.0)
    return out / scale[..., None, None], np.asarray(t_c), np.asarray(scale)


def residual(model: np.ndarray, target: Prepared) -> np.ndarray:
    """Sum of squared differences (normalised units) over the data's valid samples, per
    model map (leading axes of ``model``)."""
    valid = target.valid
    diff = np.where(valid, model - np.where(valid, target.values, 0.0), 0.0)
    return np.sum(diff * diff, axis=(-2, -1))
