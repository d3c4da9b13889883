"""The wheel a user installs: every module of muscle_lab, the built-in assets inside the package, the
`muscle-lab` command. Built from a copy of the source with the installed setuptools, never installed
(.ci/wheel-check installs one into a fresh venv)."""

from __future__ import annotations

import configparser
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from muscle_lab.core.paths import assets_dir

REPO = Path(__file__).resolve().parents[1]
PROJECT_FILES = ("setup.cfg", "pyproject.toml", "README.md")
WHEEL_ASSETS = "muscle_lab/assets/"


@dataclass(frozen=True)
class Built:
    source: Path  # the copy the wheel was built from
    wheel: Path
    names: frozenset[str]  # the wheel's files


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """An sdist, then the wheel from it (as pip builds an sdist), without build isolation (offline)."""
    source = tmp_path_factory.mktemp("source")
    for name in PROJECT_FILES:
        shutil.copy2(REPO / name, source / name)
    for folder in ("muscle_lab", "assets"):
        shutil.copytree(REPO / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    dist = tmp_path_factory.mktemp("dist")
    result = subprocess.run(
        # osim-rl (a build requirement: its models go into the wheel) is installed without its
        # dependencies, which `build` would otherwise ask for (.ci/install).
        [
            sys.executable,
            "-m",
            "build",
            "--no-isolation",
            "--skip-dependency-check",
            "--outdir",
            str(dist),
            str(source),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    (wheel,) = dist.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = frozenset(archive.namelist())
    return Built(source, wheel, names)


def test_the_wheel_holds_every_module_of_the_package(built: Built) -> None:
    modules = {path.relative_to(built.source).as_posix() for path in (built.source / "muscle_lab").rglob("*.py")}
    missing = sorted(modules - built.names)
    assert not missing, f"not in the wheel (a package missing from setup.cfg's packages?): {missing}"
    assert {name for name in built.names if name.endswith(".py")} == modules


def test_the_wheel_holds_the_built_in_assets_and_not_the_readme_screenshot(built: Built) -> None:
    assert WHEEL_ASSETS + "muscles.json" in built.names
    assert WHEEL_ASSETS + "presets/hip-thrust.json" in built.names
    presets = {WHEEL_ASSETS + "presets/" + path.name for path in (built.source / "assets" / "presets").glob("*.json")}
    assert presets <= built.names
    assert (built.source / "assets" / "screenshot.png").is_file()
    assert not [name for name in built.names if name.endswith("screenshot.png")]
    assert (built.source / "assets" / "screenshots" / "live-1024x700.png").is_file()
    assert not [name for name in built.names if "/screenshots/" in name]  # the README's, not the app's
    outside = sorted(n for n in built.names if not n.startswith(("muscle_lab/", "muscle_lab-0.1.0.dist-info/")))
    assert outside == []  # no top-level assets/ or tests/ in site-packages


def test_the_wheel_declares_the_muscle_lab_command(built: Built) -> None:
    with zipfile.ZipFile(built.wheel) as archive:
        entry_points = configparser.ConfigParser()
        entry_points.read_string(archive.read("muscle_lab-0.1.0.dist-info/entry_points.txt").decode())
    assert dict(entry_points["console_scripts"]) == {"muscle-lab": "muscle_lab.entry:main"}


def test_the_unpacked_wheel_finds_its_assets_inside_itself(built: Built, tmp_path: Path) -> None:
    unpacked = tmp_path / "site-packages"
    with zipfile.ZipFile(built.wheel) as archive:
        archive.extractall(unpacked)
    code = (
        "import json, muscle_lab\n"
        "from muscle_lab.core.paths import assets_dir\n"
        "from muscle_lab.core.presets.store import PresetStore\n"
        "from muscle_lab.core.muscle_descriptions import load_descriptions\n"
        "listing = PresetStore().list_presets()\n"
        "print(json.dumps({'package': muscle_lab.__file__, 'assets': str(assets_dir()),\n"
        "    'presets': listing.names(), 'problems': [str(p) for p in listing.problems],\n"
        "    'hip_thrust': PresetStore().get('hip-thrust').excitations, 'descriptions': len(load_descriptions())}))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(unpacked), "MUSCLE_LAB_HOME": str(tmp_path / "home")}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found["package"] == str(unpacked / "muscle_lab" / "__init__.py")  # not this checkout
    assert found["assets"] == str(unpacked / "muscle_lab" / "assets")
    assert sorted(found["presets"]) == sorted(path.stem for path in (REPO / "assets" / "presets").glob("*.json"))
    assert found["problems"] == []
    source_preset = json.loads((REPO / "assets" / "presets" / "hip-thrust.json").read_text(encoding="utf-8"))
    assert found["hip_thrust"] == source_preset["excitations"]
    source_descriptions = json.loads((REPO / "assets" / "muscles.json").read_text(encoding="utf-8"))
    assert found["descriptions"] == len(source_descriptions["muscles"])


def test_a_source_checkout_uses_the_repository_assets() -> None:
    # Editable installs and `python main.py` import muscle_lab from this checkout, where assets/ sits beside it.
    assert assets_dir() == REPO / "assets"
    assert (assets_dir() / "presets" / "hip-thrust.json").is_file()


def test_the_apps_install_takes_no_developer_tools() -> None:
    """`bash .ci/install` installs the app only (Debian's python3 included): the test runner, the
    wheel build, the static checks and PyAV come with --test or --dev, never with the app."""
    config = configparser.ConfigParser()
    config.read(REPO / "setup.cfg", encoding="utf-8")
    lines = [line.strip() for line in config["options"]["install_requires"].splitlines()]
    names = {re.match(r"[A-Za-z0-9_.-]+", line)[0] for line in lines if line and not line.startswith("#")}
    assert not names & {"pytest", "pytest-qt", "build", "wheel", "ruff", "mypy", "import-linter", "av"}
    extras = config["options.extras_require"]
    assert {"ruff==0.17.6", "mypy==2.4.1"} <= set(extras["dev"].split())
    assert not {"ruff==0.17.6", "mypy==2.4.1"} & set(extras["test"].split())
    install = (REPO / ".ci" / "install").read_text(encoding="utf-8")
    assert '"$python" -m venv .venv' in install and '-e ".$extras"' in install


def test_the_wheel_carries_osim_rls_models_and_does_not_depend_on_osim_rl_or_gym(built: Built) -> None:
    """The models are copied in when the wheel is built (muscle_lab/build_models.py): installed,
    muscle_lab needs neither osim-rl nor its gym, whose import prints a banner beside stable-baselines3."""
    models = "muscle_lab/models/"
    for name in ("gait14dof22musc_pros_20180507.osim", "gait9dof18musc.osim", "arm2dof6musc.osim", "NOTICE.txt"):
        assert models + name in built.names, name
    assert any(name.startswith(models + "Geometry/") and name.endswith(".vtp") for name in built.names)
    with zipfile.ZipFile(built.wheel) as archive:
        metadata = archive.read("muscle_lab-0.1.0.dist-info/METADATA").decode()
    requires = [line for line in metadata.splitlines() if line.startswith("Requires-Dist:")]
    assert requires and not [line for line in requires if re.search(r"\b(osim-rl|gym)\b", line)]
