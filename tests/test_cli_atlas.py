"""`atlas`: the page (index.html, one animation per run, the heat map) and the JSON, on the real model."""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from muscle_lab.cli import main
from muscle_lab.core.atlas.page import cell_box
from muscle_lab.core.paths import HOME_ENV, default_model_path

# The issue's anatomy table: muscle -> (coordinate, sign of the change) for each action it must show.
# The knee angle is 0 straight and negative bent (range -120..10 degrees), so knee flexion is negative.
ANATOMY = {
    "abd_r": [("hip_adduction_r", -1)],
    "add_r": [("hip_adduction_r", +1)],
    "hamstrings_r": [("hip_flexion_r", -1), ("knee_angle_r", -1)],
    "bifemsh_r": [("knee_angle_r", -1)],
    "glut_max_r": [("hip_flexion_r", -1)],
    "iliopsoas_r": [("hip_flexion_r", +1)],
    "rect_fem_r": [("hip_flexion_r", +1)],
    "vasti_r": [("knee_angle_r", +1)],
    "abd_l": [("hip_adduction_l", -1)],
    "add_l": [("hip_adduction_l", +1)],
    "hamstrings_l": [("hip_flexion_l", -1), ("knee_angle_l", -1)],
    "bifemsh_l": [("knee_angle_l", -1)],
    "glut_max_l": [("hip_flexion_l", -1)],
    "iliopsoas_l": [("hip_flexion_l", +1)],
    "rect_fem_l": [("hip_flexion_l", +1)],
    "vasti_l": [("knee_angle_l", +1)],
    "gastroc_l": [("ankle_angle_l", -1)],
    "soleus_l": [("ankle_angle_l", -1)],
    "tib_ant_l": [("ankle_angle_l", +1)],
}
ROOT = Path(__file__).resolve().parents[1]
JSON_KEYS = {"index", "muscle", "side", "joint_changes_deg", "main_joint", "pelvis_change_m", "fell_at"}


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    """One short atlas in the fast mode (it keeps every sign at 0.3 s), page and JSON together."""
    out = tmp_path_factory.mktemp("atlas_page")
    home = tmp_path_factory.mktemp("home")
    stdout = out.parent / "atlas_stdout.json"  # capsys is for one test only: stdout goes to a file
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(HOME_ENV, str(home))
        with open(stdout, "w", encoding="utf-8") as sink, contextlib.redirect_stdout(sink):
            status = main(["atlas", "--out", str(out), "--mode", "fast", "--seconds", "0.3", "--json"])
    return status, out, json.loads(stdout.read_text(encoding="utf-8"))


def test_json_has_one_object_per_muscle_with_the_issues_keys(page):
    status, _, muscles = page
    assert status == 0
    assert [m["index"] for m in muscles] == list(range(19))
    assert all(set(m) == JSON_KEYS for m in muscles)
    right = ["hip_flexion_r", "hip_adduction_r", "knee_angle_r", "ankle_angle_r"]
    left = [name[:-1] + "l" for name in right]
    iliopsoas = muscles[5]
    assert (iliopsoas["muscle"], iliopsoas["side"], iliopsoas["main_joint"]) == ("iliopsoas_r", "right", right[0])
    assert list(iliopsoas["joint_changes_deg"]) == right + left  # own side first
    assert list(muscles[13]["joint_changes_deg"]) == left + right
    assert all(m["fell_at"] is None or 0 < m["fell_at"] <= 0.3 for m in muscles)


def test_signs_agree_with_anatomy_for_at_least_17_of_19(page):
    _, _, muscles = page
    agree = [
        m["muscle"]
        for m in muscles
        if all(m["joint_changes_deg"][joint] * sign > 0 for joint, sign in ANATOMY[m["muscle"]])
    ]
    assert len(agree) >= 17, sorted(set(ANATOMY) - set(agree))


def test_the_main_joint_is_on_the_muscles_own_side(page):
    _, _, muscles = page
    for muscle in muscles:
        assert muscle["main_joint"].endswith(muscle["muscle"][-2:]), muscle
    by_name = {m["muscle"]: m for m in muscles}
    assert by_name["add_r"]["main_joint"] == "hip_adduction_r"  # `explore` used to name the left hip
    assert by_name["glut_max_r"]["main_joint"] == "hip_flexion_r"  # ... and the left knee


def test_the_page_references_one_existing_image_per_muscle(page):
    _, out, _ = page
    text = (out / "index.html").read_text(encoding="utf-8")
    for index, name in enumerate(ANATOMY):
        section = re.search(rf'<section id="muscle-{index}">(.*?)</section>', text, re.DOTALL)
        assert section is not None, name
        images = re.findall(r'<img class="run" src="([^"]+)"', section[1])
        assert len(images) == 1, name
        assert not images[0].startswith(("/", "http")) and (out / images[0]).is_file()
        with Image.open(out / images[0]) as gif:
            assert gif.format == "GIF" and gif.n_frames == 19  # 0.3 s at half speed, 30 frames a second
        assert f"Index {index}: {name}" in section[1] and "</table>" in section[1]
        # The pelvis's change in mm, as the window's atlas table gives it (it was in cm here).
        change_mm = re.search(r"<tr><th>pelvis height</th><td>([+-]?\d+) mm</td>", section[1])
        assert change_mm is not None and " cm<" not in section[1], name
    thrust = re.search(r'<section id="hip-thrust">(.*?)</section>', text, re.DOTALL)
    assert thrust is not None and "The hip thrust" in thrust[1]
    assert "2 hamstrings_r at 1, 4 glut_max_r at 1, 10 hamstrings_l at 1, 12 glut_max_l at 1" in thrust[1]
    assert (out / re.findall(r'<img class="run" src="([^"]+)"', thrust[1])[0]).is_file()
    assert text.index('id="muscle-18"') < text.index('id="hip-thrust"')  # the hip thrust comes last


def test_the_heat_map_is_a_png_beside_the_page(page):
    _, out, _ = page
    assert 'src="heat_map.png"' in (out / "index.html").read_text(encoding="utf-8")
    with Image.open(out / "heat_map.png") as image:
        assert image.format == "PNG"
        width, height = image.size
        pixels = image.convert("RGB")
        left, top, _, _ = cell_box(5, 0)  # iliopsoas_r's hip flexion: strongly positive, red
        red = pixels.getpixel((left + 5, top + 5))  # inside the frame of the main joint
        left, top, _, _ = cell_box(4, 0)  # glut_max_r's: negative, blue
        blue = pixels.getpixel((left + 5, top + 5))
    assert width > 800 and height > 19 * 24
    assert red[0] > 150 and red[1] < 150 and red[2] < 150
    assert blue[2] > 150 and blue[0] < 200


def test_a_second_atlas_comes_from_the_cache(tmp_path, capsys):
    arguments = ["atlas", "--json", "--mode", "fast", "--seconds", "0.05"]
    assert main(arguments) == 0
    first = capsys.readouterr()
    assert "(20 runs simulated" in first.err
    assert main(arguments) == 0
    second = capsys.readouterr()
    assert "(all from the cache" in second.err and second.out == first.out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--json", "--seconds", "0"], "--seconds must be positive and finite, got 0"),
        (["--json", "--level", "2"], "--level must be in [0, 1], got 2"),
        (["--json", "--base", "nan"], "--base must be in [0, 1], got nan"),
        (["--json", "--model", "/missing.osim"], "model file not found: /missing.osim"),
        ([], "atlas needs --out DIR (the page), --json, or both"),
    ],
)
def test_errors_are_one_line_and_exit_2(capsys, args, message):
    assert main(["atlas", *args]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"muscle_lab: error: {message}\n"


def test_an_out_that_is_a_file_is_refused_before_anything_runs(tmp_path, capsys):
    taken = tmp_path / "taken"
    taken.write_text("a file", encoding="utf-8")
    assert main(["atlas", "--out", str(taken)]) == 2
    assert capsys.readouterr().err == f"muscle_lab: error: --out {taken}: not a folder\n"


def test_a_truncated_model_is_one_line(tmp_path, capsys):
    truncated = tmp_path / "truncated.osim"
    whole = default_model_path().read_bytes()
    truncated.write_bytes(whole[: len(whole) // 2])
    assert main(["atlas", "--json", "--model", str(truncated)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.startswith(f"muscle_lab: error: cannot read model {truncated}: ")
    assert captured.err.count("\n") == 1


def test_the_page_opens_without_a_server(page):
    _, out, _ = page
    text = (out / "index.html").read_text(encoding="utf-8")
    links = re.findall(r'(?:src|href)="([^"#]+)"', text)
    assert links and all(not link.startswith(("/", "http:", "https:", "file:")) for link in links)
    assert all((out / Path(link)).is_file() for link in links)


def test_without_an_opengl_context_the_page_says_why_and_has_no_animations(tmp_path):
    out = tmp_path / "page"
    script = "import sys; from muscle_lab.cli import main; sys.exit(main(sys.argv[1:]))"
    environment = {
        **os.environ, HOME_ENV: str(tmp_path / "home"), "__EGL_VENDOR_LIBRARY_FILENAMES": "/nonexistent.json",
    }  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-c", script, "atlas", "--out", str(out), "--mode", "fast", "--seconds", "0.05"],
        capture_output=True, text=True, env=environment, cwd=ROOT, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "muscle_lab: no animations: the 3D renderer is unavailable here (no OpenGL context" in result.stderr
    text = (out / "index.html").read_text(encoding="utf-8")
    assert '<p class="note">no animations: the 3D renderer is unavailable here' in text
    assert text.count("(no animation)") == 21  # the all-at-0 run, 19 muscles, the hip thrust
    assert not list(out.glob("*.gif")) and (out / "heat_map.png").is_file()
    assert len(result.stdout.splitlines()) == 19  # the sentences
