"""The study (``adexmf run``): configuration, stage caching, resumption, the HTML report."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from adexmf.cli import app
from adexmf.errors import ParameterError
from adexmf.workflows.config import default_study, load_study, study_toml
from adexmf.workflows.study import MANIFEST, run_study, stage_key

runner = CliRunner()
FAST = ["transfer", "meanfield"]


def _fast_config(stages=FAST, **changes):
    return dataclasses.replace(default_study("quick").with_stages(stages), **changes)


# ----------------------------------------------------------------------------- config
def test_printed_config_reads_back_as_the_defaults(tmp_path):
    for scale in ("quick", "paper"):
        path = tmp_path / f"{scale}.toml"
        path.write_text(study_toml(default_study(scale)))
        assert load_study(path) == default_study(scale)
        assert study_toml(load_study(path)) == study_toml(default_study(scale))


def test_paper_scale_runs_the_full_protocols():
    quick, paper = default_study("quick"), default_study("paper")
    assert "validity" in paper.compare.protocols
    assert "validity" not in quick.compare.protocols
    assert paper.transfer.characterize and not quick.transfer.characterize
    assert paper.vsdi.n_points > quick.vsdi.n_points


def test_a_file_states_only_what_it_changes(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[ring]\nconduction_velocity = "150 mm/s"\n')
    config = load_study(path)
    assert config.ring.conduction_velocity == pytest.approx(0.15)  # SI inside: m/s
    assert config.ring.n_units == default_study().ring.n_units
    assert load_study(path, "paper").scale == "paper"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[ring]\nspeed = 3\n", "[ring] speed"),
        ("[ringg]\n", "ringg"),
        ('[meanfield]\ndrive = "4 ms"\n', "[meanfield] drive"),
        ("[meanfield]\ndrive = 4\n", "with its unit"),
        ('stages = ["ring", "nope"]\n', "'nope'"),
        ('[compare]\nvariants = ["bogus"]\n', "bogus"),
        ("[vsdi]\nn_points = 40\n", "[vsdi] n_points"),
        ('scale = "huge"\n', "huge"),
        ("ring = 3\n", "[ring] must be a table"),
        ("[ring\n", "not valid TOML"),
        # every value checked at load, before any stage runs, named as the user wrote it
        ('[ring]\nduration = "-1 s"\n', "[ring] duration"),
        ('[ring]\nconduction_velocity = "5000 mm/s"\n', "[ring] conduction_velocity"),
        ('[meanfield]\nmax_drive = "-5 Hz"\n', "[meanfield] max_drive"),
        ('[meanfield]\nduration = "0 s"\n', "[meanfield] duration"),
        ('[meanfield]\nstimulus = "bogus"\n', "[meanfield] stimulus"),
        ("[vsdi]\nn_units = 0\n", "[vsdi] n_units"),
        ("[network]\nseed = -1\n", "[network] seed"),
        ('preset = "no-such-preset"\n', "no-such-preset"),
    ],
)
def test_bad_configuration_names_the_key(tmp_path, text, expected):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ParameterError, match=None) as info:
        load_study(path)
    assert expected in str(info.value)


def test_bad_config_is_a_clean_cli_error(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[ring]\nspeed = 3\n")
    result = runner.invoke(app, ["run", "--config", str(path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "[ring] speed" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())


def test_print_config_is_a_complete_file(tmp_path):
    result = runner.invoke(app, ["run", "--scale", "paper", "--print-config"])
    assert result.exit_code == 0, result.output
    path = tmp_path / "p.toml"
    path.write_text(result.output)
    assert load_study(path) == default_study("paper")


# ----------------------------------------------------------------------------- caching
def test_key_follows_the_inputs_of_its_stage_only():
    base = default_study()
    changed = dataclasses.replace(base, ring=dataclasses.replace(base.ring, n_units=60))
    assert stage_key("ring", base) != stage_key("ring", changed)
    assert stage_key("meanfield", base) == stage_key("meanfield", changed)
    other = default_study(preset="corrected")
    assert stage_key("meanfield", other) != stage_key("meanfield", base)


def test_second_run_reuses_every_stage_and_heals_a_damaged_file(tmp_path):
    out = tmp_path / "study"
    first = run_study(_fast_config(), out, progress=False, echo=lambda s: None)
    assert first.ran == FAST and first.reused == []
    for stage in FAST:
        manifest = json.loads((out / stage / MANIFEST).read_text())
        assert manifest["files"] and all((out / f).is_file() for f in manifest["files"])
    table = out / "transfer" / "transfer_functions.nc"
    stamp = table.stat().st_mtime_ns
    t0 = time.perf_counter()
    second = run_study(_fast_config(), out, progress=False, echo=lambda s: None)
    assert second.ran == [] and second.reused == FAST
    assert time.perf_counter() - t0 < first.seconds
    assert table.stat().st_mtime_ns == stamp
    table.write_bytes(b"not a netcdf file")  # damaged: the stage runs again, alone
    third = run_study(_fast_config(), out, progress=False, echo=lambda s: None)
    assert third.ran == ["transfer"] and third.reused == ["meanfield"]
    (out / "meanfield" / MANIFEST).write_text("{truncated")
    config = _fast_config()
    config = dataclasses.replace(config, meanfield=dataclasses.replace(config.meanfield,
                                                                       drive=5.0))
    fourth = run_study(config, out, progress=False, echo=lambda s: None)
    assert fourth.ran == ["meanfield"]
    alone = run_study(config.with_stages(["meanfield"]), out, progress=False, echo=print)
    page = alone.report.read_text()
    assert alone.reused == ["meanfield"] and 'id="transfer"' in page  # the others still shown


def test_progress_lines_give_each_stage_its_share_of_the_last_run(tmp_path, monkeypatch):
    """The first run on a machine has no estimate; the next one prints each stage's share of
    the expected time, from the times the first one recorded (shares sum to ~100 %); an
    unreadable history only loses the estimate."""
    from adexmf.workflows import expected

    history = tmp_path / "seconds.json"
    monkeypatch.setattr(expected, "history_path", lambda: history)
    lines: list[str] = []
    config = _fast_config()
    run_study(config, tmp_path / "a", progress=False, echo=lines.append)
    assert not any("expected time" in line for line in lines)
    recorded = json.loads(history.read_text())[config.scale]
    assert set(recorded) == set(FAST) and all(v >= 0 for v in recorded.values())
    lines.clear()
    run_study(config, tmp_path / "b", progress=False, echo=lines.append)
    shares = [int(re.search(r"~(\d+)% of the expected time", line).group(1))
              for line in lines if "expected time" in line]  # fmt: skip
    assert len(shares) == len(FAST) and abs(sum(shares) - 100) <= len(FAST)
    history.write_text("{not json")
    assert expected.expected_shares(config.scale, FAST) == {}
    assert expected.expected_shares("paper", FAST) == {}


def _launch(out: Path, *stages: str) -> subprocess.Popen:
    args = [sys.executable, "-m", "adexmf", "run", "--out", str(out)]
    for stage in stages:
        args += ["--stage", stage]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=env)  # fmt: skip


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_interrupted_study_resumes(tmp_path, signum):
    """Stopped while the second stage runs: the first is kept, the second has no manifest
    and no temporary file is left; the rerun reuses the first and finishes the rest."""
    out = tmp_path / "study"
    proc = _launch(out, "transfer", "meanfield")
    deadline = time.monotonic() + 120
    while not (out / "transfer" / MANIFEST).exists():
        assert proc.poll() is None and time.monotonic() < deadline, proc.stdout.read()
        time.sleep(0.05)
    proc.send_signal(signum)
    output, _ = proc.communicate(timeout=60)
    expected = {signal.SIGINT: 130, signal.SIGTERM: 143, signal.SIGKILL: -9}[signum]
    assert proc.returncode == expected, output
    assert "Traceback" not in output
    assert not (out / "meanfield" / MANIFEST).exists()
    assert not list(out.rglob("*.tmp"))
    result = run_study(_fast_config(), out, progress=False, echo=lambda s: None)
    assert result.reused == ["transfer"] and result.ran == ["meanfield"]


# ----------------------------------------------------------------------------- report
@pytest.fixture(scope="module")
def study(tmp_path_factory):
    out = tmp_path_factory.mktemp("study") / "results"
    config = _fast_config(stages=["transfer", "meanfield", "ring"])
    run_study(config, out, progress=False, echo=lambda s: None)
    return out


def test_report_shows_every_figure_and_the_provenance(study):
    page = (study / "report" / "index.html").read_text()
    figures = sorted(p.name for p in (study / "report" / "figures").iterdir())
    manifests = [
        json.loads((study / s / MANIFEST).read_text()) for s in ("transfer", "meanfield", "ring")
    ]
    pngs = [f for m in manifests for f in m["files"] if f.endswith(".png")]
    assert len(figures) == len(pngs) >= 6
    for name in figures:
        assert f'src="figures/{name}"' in page
    for needle in ("Provenance", "Paper vs code", "zerlaut2018", "numpy", "seed", "[ring]"):
        assert needle in page
    # the provenance shows the versions in use (not "-"), the paper-vs-code section the
    # settings the protocols define (read from the code, not restated)
    import numpy

    assert f"<td>numpy</td><td>{numpy.__version__}</td>" in page
    assert "<td>ring stimulus</td><td>code: 15 Hz, l_stim 1 mm" in page
    assert "<td>frequency: amplitude A</td><td>code: 4.5 Hz, text: 5 Hz</td>" in page
    assert "http://" not in page and "https://" not in page  # works offline
    assert "<script" not in page


def _browser() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        if shutil.which(name):
            return shutil.which(name)
    return None


_CHECK = """<script>
window.addEventListener("load", () => {
  const images = Array.from(document.images);
  const ok = images.filter(i => i.complete && i.naturalWidth > 0).length;
  document.body.setAttribute("data-images", ok + "/" + images.length);
});
</script></body>"""


def _chromium(browser: str, profile: Path, *args: str) -> subprocess.CompletedProcess:
    """Headless Chromium with a fresh profile and no background connections (the machine's
    network may be closed: Chromium would otherwise retry its own services at every start)."""
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--allow-file-access-from-files",
             "--disable-quic", "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}"]  # fmt: skip
    return subprocess.run([browser, *flags, *args], capture_output=True, text=True, timeout=120)


def test_report_opens_in_a_real_browser(study, tmp_path):
    browser = _browser()
    if browser is None:
        pytest.skip("no Chromium installed (apt-get install -y chromium); CI installs one")
    report = study / "report"
    check = report / "browser_check.html"  # the page itself, with a script counting images
    check.write_text((report / "index.html").read_text().replace("</body>", _CHECK))
    try:
        dom = _chromium(browser, tmp_path / "profile", "--virtual-time-budget=10000",
                        "--dump-dom", check.as_uri())  # fmt: skip
    finally:
        check.unlink()
    n_images = len(list((report / "figures").iterdir()))
    assert f'data-images="{n_images}/{n_images}"' in dom.stdout, dom.stderr[-2000:]
    shot = tmp_path / "report.png"
    _chromium(browser, tmp_path / "profile", f"--screenshot={shot}", "--window-size=1280,2400",
              (report / "index.html").as_uri())  # fmt: skip
    import matplotlib.image

    pixels = matplotlib.image.imread(shot)
    assert pixels.shape[:2] == (2400, 1280)
    assert pixels[..., :3].std() > 0.05  # figures drawn, not a blank page
