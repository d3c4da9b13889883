"""The `presets` commands, through `muscle_lab.cli.main` and once through `python main.py`."""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from muscle_lab.cli import main
from muscle_lab.core.paths import HOME_ENV, assets_dir

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "core" / "fixtures" / "presets"
HIP_THRUST = ",".join("1" if i in (2, 4, 10, 12) else "0" for i in range(19))


@pytest.fixture
def user_presets(isolated_user_data) -> Path:
    return isolated_user_data / "presets"


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_list_shows_name_kind_and_description(capsys):
    status, out, err = run_cli(capsys, "presets", "list")
    assert status == 0 and err == ""
    lines = out.splitlines()
    assert len(lines) == len(list((assets_dir() / "presets").glob("*.json")))
    thrust = next(line for line in lines if line.startswith("hip-thrust "))
    assert thrust.split()[1] == "built-in"
    assert thrust.endswith(
        "The classic: hamstrings and gluteus maximus of both legs fully on (indices 2, 4, 10, 12), all others off."
    )


def test_list_reports_a_corrupt_file_and_lists_the_rest(capsys, user_presets):
    user_presets.mkdir(parents=True)
    shutil.copy(FIXTURES / "nan.json", user_presets)
    assert run_cli(capsys, "presets", "save", "mine", "--excitations", HIP_THRUST)[0] == 0
    status, out, err = run_cli(capsys, "presets", "list")
    assert status == 0
    assert (
        err == f"muscle_lab: warning: skipped {user_presets / 'nan.json'}: "
        "excitation 3 (bifemsh_r) is not a finite number: nan\n"
    )
    assert [line.split()[:2] for line in out.splitlines() if " user " in line] == [["mine", "user"]]
    assert "relaxed " in out


def test_show_prints_values_and_json(capsys):
    status, out, err = run_cli(capsys, "presets", "show", "hip-thrust")
    assert status == 0 and err == ""
    assert out.splitlines()[0].startswith("hip-thrust (built-in): The classic")
    assert "  2 hamstrings_r  1.000" in out.splitlines()
    assert "  5 iliopsoas_r   0.000" in out.splitlines()
    status, out, _ = run_cli(capsys, "presets", "show", "HIP-THRUST", "--json")
    assert status == 0
    assert json.loads(out) == json.loads((assets_dir() / "presets" / "hip-thrust.json").read_text(encoding="utf-8"))


def test_save_then_refuse_overwrite_without_force(capsys, user_presets):
    status, out, err = run_cli(
        capsys, "presets", "save", "my thrust", "--excitations", HIP_THRUST, "--description", "mine"
    )
    assert (status, err) == (0, "")
    assert out == f"saved my thrust to {user_presets / 'my thrust.json'}\n"
    saved = json.loads((user_presets / "my thrust.json").read_text(encoding="utf-8"))
    assert saved["description"] == "mine" and saved["excitations"][2] == 1.0

    status, out, err = run_cli(capsys, "presets", "save", "My Thrust", "--excitations", ",".join(["0"] * 19))
    assert (status, out) == (2, "")
    assert err == "muscle_lab: error: a user preset named 'my thrust' already exists (use --force to replace it)\n"
    assert json.loads((user_presets / "my thrust.json").read_text(encoding="utf-8")) == saved

    status, _, _ = run_cli(capsys, "presets", "save", "my thrust", "--excitations", ",".join(["0"] * 19), "--force")
    assert status == 0
    assert json.loads((user_presets / "my thrust.json").read_text(encoding="utf-8"))["excitations"] == [0.0] * 19


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["save", "short", "--excitations", "0,1,0"],
            "expected 19 excitations (one per muscle of gait14dof22musc_pros), got 3",
        ),
        (["save", "word", "--excitations", "0,x"], "excitation 1 is not a number: 'x'"),
        (
            ["save", "big", "--excitations", HIP_THRUST.replace("1", "2", 1)],
            "excitation 2 (hamstrings_r) = 2 is outside [0, 1]",
        ),
        (
            ["save", "Relaxed", "--excitations", HIP_THRUST],
            "'relaxed' is the name of a built-in preset; choose another name",
        ),
        (["save", "../up", "--excitations", HIP_THRUST], "preset name '../up' contains a path separator"),
        (["show", "ghost"], "no preset named 'ghost'"),
        (["delete", "glutes"], "'glutes' is a built-in preset and cannot be deleted"),
        (["delete", "ghost"], "no user preset named 'ghost'"),
        (["export", "ghost", "out.json"], "no preset named 'ghost'"),
    ],
)
def test_errors_are_one_line_and_exit_2(capsys, user_presets, argv, message):
    status, out, err = run_cli(capsys, "presets", *argv)
    assert (status, out) == (2, "")
    assert err == f"muscle_lab: error: {message}\n"
    assert not user_presets.exists()


def test_delete_a_user_preset(capsys, user_presets):
    run_cli(capsys, "presets", "save", "gone", "--excitations", HIP_THRUST)
    status, out, _ = run_cli(capsys, "presets", "delete", "gone")
    assert (status, out) == (0, f"deleted {user_presets / 'gone.json'}\n")
    assert [p.name for p in user_presets.iterdir()] == [".lock"]  # the writers' lock file stays


def test_import_a_plain_list_and_refuse_a_short_one(capsys, user_presets):
    status, out, _ = run_cli(
        capsys, "presets", "import", str(FIXTURES / "hip-thrust-list.json"), "--name", "from env.step"
    )
    assert (status, out) == (0, f"imported from env.step to {user_presets / 'from env.step.json'}\n")
    status, out, _ = run_cli(capsys, "presets", "show", "from env.step", "--json")
    assert json.loads(out)["excitations"] == [float(v) for v in HIP_THRUST.split(",")]

    short = FIXTURES / "short-list.json"
    status, out, err = run_cli(capsys, "presets", "import", str(short))
    assert (status, out) == (2, "")
    assert (
        err == f"muscle_lab: error: {short}: a plain list needs one excitation per muscle of "
        "gait14dof22musc_pros (19), got 18\n"
    )


def test_import_a_preset_for_another_model_notes_missing_muscles(capsys, user_presets, tmp_path):
    preset = json.loads((assets_dir() / "presets" / "glutes.json").read_text(encoding="utf-8"))
    keep = [i for i, m in enumerate(preset["muscles"]) if not m.startswith("abd_")]
    preset.update(
        name="nine",
        model="gait9dof18musc_pros",
        muscles=[preset["muscles"][i] for i in keep],
        excitations=[preset["excitations"][i] for i in keep],
    )
    source = tmp_path / "nine.json"
    source.write_text(json.dumps(preset), encoding="utf-8")
    status, _out, err = run_cli(capsys, "presets", "import", str(source))
    assert status == 0
    assert err == (
        "muscle_lab: note for gait14dof22musc_pros: preset 'nine' (for model 'gait9dof18musc_pros') "
        "has no value for 2 muscle(s) of this model, set to 0: abd_r, abd_l\n"
    )


def test_export_writes_anywhere_and_needs_force_to_replace(capsys, tmp_path):
    target = tmp_path / "out" / "thrust.json"
    status, out, _ = run_cli(capsys, "presets", "export", "hip-thrust", str(target))
    assert (status, out) == (0, f"exported hip-thrust to {target}\n")
    assert json.loads(target.read_text(encoding="utf-8"))["name"] == "hip-thrust"
    status, _, err = run_cli(capsys, "presets", "export", "relaxed", str(target))
    assert status == 2
    assert err == f"muscle_lab: error: {target} already exists (use --force to replace it)\n"
    assert run_cli(capsys, "presets", "export", "relaxed", str(target), "--force")[0] == 0
    assert json.loads(target.read_text(encoding="utf-8"))["name"] == "relaxed"


def test_run_uses_a_user_preset(capsys):
    run_cli(capsys, "presets", "save", "thrust", "--excitations", HIP_THRUST)
    status, out, err = run_cli(capsys, "run", "--preset", "thrust", "--seconds", "0.03", "--json")
    assert status == 0 and err == ""
    summary = json.loads(out)
    assert summary["steps"] == 3


def test_main_py_presets_list_in_a_subprocess(isolated_user_data):
    env = {**os.environ, HOME_ENV: str(isolated_user_data)}
    result = subprocess.run(
        [sys.executable, "main.py", "presets", "list"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert (result.returncode, result.stderr) == (0, "")
    assert any(line.split()[:2] == ["relaxed", "built-in"] for line in result.stdout.splitlines())


def main_py(home: Path, *argv: str) -> subprocess.Popen:
    """`python main.py ARGV` with 1 GB of address space, so a runaway read fails instead of eating RAM."""

    def limit_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (2**30, resource.RLIM_INFINITY))

    env = {**os.environ, HOME_ENV: str(home)}
    return subprocess.Popen(
        [sys.executable, "main.py", *argv],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=limit_memory,  # noqa: PLW1509 - sets an rlimit only; the test process starts no threads
    )


def finish(process: subprocess.Popen, timeout: float = 120) -> tuple[int, str, str]:
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        pytest.fail(f"{' '.join(process.args)} still running after {timeout:g} s")
    return process.returncode, out, err


def test_list_skips_fifos_devices_and_files_that_would_crash_it(isolated_user_data, user_presets):
    user_presets.mkdir(parents=True)
    os.mkfifo(user_presets / "p.json")
    (user_presets / "z.json").symlink_to("/dev/zero")
    for name in ("deeply-nested.json", "too-many-digits.json", "lone-surrogate.json"):
        shutil.copy(FIXTURES / name, user_presets)
    with open(os.path.join(os.fsencode(user_presets), b"\xff.json"), "wb") as stream:  # not a UTF-8 name
        stream.write((FIXTURES / "nan.json").read_bytes())
    assert finish(main_py(isolated_user_data, "presets", "save", "mine", "--excitations", HIP_THRUST))[0] == 0

    status, out, err = finish(main_py(isolated_user_data, "presets", "list"))
    assert status == 0
    assert err.splitlines() == [
        f"muscle_lab: warning: skipped {user_presets / 'deeply-nested.json'}: nested more than 64 levels deep",
        (
            f"muscle_lab: warning: skipped {user_presets / 'lone-surrogate.json'}: "
            "description contains an invalid character U+D800"
        ),
        f"muscle_lab: warning: skipped {user_presets / 'p.json'}: not a regular file (a FIFO)",
        f"muscle_lab: warning: skipped {user_presets / 'too-many-digits.json'}: a number has more than 4300 digits",
        f"muscle_lab: warning: skipped {user_presets / 'z.json'}: not a regular file (a character device)",
        f"muscle_lab: warning: skipped {user_presets}/\\xff.json: excitation 3 (bifemsh_r) is not a finite number: nan",
    ]
    assert [line.split()[:2] for line in out.splitlines() if " user " in line] == [["mine", "user"]]


def test_import_of_a_device_fails_at_once(isolated_user_data, user_presets):
    status, out, err = finish(main_py(isolated_user_data, "presets", "import", "/dev/zero", "--name", "zero"))
    assert (status, out) == (2, "")
    assert err == "muscle_lab: error: /dev/zero: not a regular file (a character device)\n"
    assert not user_presets.exists()


def test_save_refuses_a_description_that_is_not_utf8(capsys, user_presets):
    description = os.fsdecode(b"caf\xe9")  # what a Latin-1 terminal passes in argv
    status, out, err = run_cli(
        capsys, "presets", "save", "cafe", "--excitations", HIP_THRUST, "--description", description
    )
    assert (status, out) == (2, "")
    assert err == "muscle_lab: error: description contains an invalid character U+DCE9\n"
    assert not user_presets.exists()


def save_at_once(home: Path, names: list[str], *extra: str) -> list[tuple[int, str, str]]:
    processes = [main_py(home, "presets", "save", name, "--excitations", HIP_THRUST, *extra) for name in names]
    return sorted(finish(process) for process in processes)


def test_concurrent_save_commands_let_exactly_one_win(isolated_user_data, user_presets):
    for round_ in range(4):
        name = f"race{round_}"
        winner, loser = save_at_once(isolated_user_data, [name, name])
        assert winner == (0, f"saved {name} to {user_presets / (name + '.json')}\n", "")
        assert loser == (
            2,
            "",
            f"muscle_lab: error: a user preset named {name!r} already exists (use --force to replace it)\n",
        )
    for round_ in range(4):
        winner, loser = save_at_once(isolated_user_data, [f"Foo{round_}", f"foo{round_}"])
        assert winner[0] == 0 and loser[0] == 2
        saved = [p.name for p in user_presets.glob("*.json") if p.stem.casefold() == f"foo{round_}"]
        assert len(saved) == 1
        assert winner[1] == f"saved {saved[0][:-5]} to {user_presets / saved[0]}\n"
        assert loser[2] == (
            f"muscle_lab: error: a user preset named {saved[0][:-5]!r} already exists (use --force to replace it)\n"
        )
    forced = save_at_once(isolated_user_data, ["race0", "race0"], "--force")
    assert [status for status, _, _ in forced] == [0, 0]
    assert sorted(p.name for p in user_presets.iterdir() if p.name.startswith(".")) == [".lock"]
