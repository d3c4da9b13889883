"""Preset files and the preset store: round trip, built-ins, clashes, atomic writes, bad files."""

from __future__ import annotations

import fcntl
import json
import multiprocessing
import os
import shutil
import time
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from muscle_lab.core import atomic
from muscle_lab.core.paths import assets_dir, default_model_path, osim_rl_models_dir
from muscle_lab.core.presets.format import read_preset_file
from muscle_lab.core.presets.store import (
    BUILTIN,
    USER,
    PresetError,
    PresetExistsError,
    PresetFileError,
    PresetStore,
    blend,
    excitations_from_preset,
    match_preset,
)
from muscle_lab.core.simulation.model_file import muscle_names_in_model_file, read_model_summary

FIXTURES = Path(__file__).parent / "fixtures" / "presets"
DEFAULT = read_model_summary(default_model_path())
MUSCLES = DEFAULT.muscle_names
HIP_THRUST = [1.0 if i in (2, 4, 10, 12) else 0.0 for i in range(19)]

BAD_FILES = {
    "truncated.json": "not valid JSON: Unterminated string starting at: line 11 column 5 (char 291)",
    "empty.json": "the file is empty",
    "not-an-object.json": "expected a JSON object with the preset's fields, got a string",
    "wrong-length.json": "19 muscles but 18 excitations",
    "nan.json": "excitation 3 (bifemsh_r) is not a finite number: nan",
    "out-of-range.json": "excitation 2 (hamstrings_r) = 1.5 is outside [0, 1]",
    "negative.json": "excitation 0 (abd_r) = -0.2 is outside [0, 1]",
    "schema-3.json": "unknown schema_version 3 (this muscle_lab reads versions 1 and 2)",
    "missing-fields.json": "missing field(s): excitations, created",
    "not-a-number.json": "excitation 0 (abd_r) is not a number: 'high'",
    "duplicate-muscle.json": "muscle 'abd_r' is listed twice",
    "bad-date.json": "created is not an ISO 8601 date: 'yesterday'",
    "bad-name.json": "preset name '../escape' contains a path separator",
    "short-list.json": "expected a JSON object with the preset's fields, got a list",
    "deeply-nested.json": "nested more than 64 levels deep",
    "too-many-digits.json": "a number has more than 4300 digits",
    "huge-integer.json": "excitation 0 (abd_r) is outside [0, 1]: a number of 400 digits",
    "lone-surrogate.json": "description contains an invalid character U+D800",
    "surrogate-muscle.json": "muscles[2] contains an invalid character U+DC80",
}


def save_hip_thrust_copy(store: PresetStore, name: str = "mine", **options) -> None:
    store.save(name, MUSCLES, HIP_THRUST, model=DEFAULT.name, description="my thrust", **options)


# -- model file ---------------------------------------------------------------------------
def test_muscle_names_from_the_model_file_match_opensim():
    from muscle_lab.core.simulation.engine import Simulation

    simulation = Simulation()
    assert muscle_names_in_model_file(default_model_path()) == simulation.muscle_names
    assert DEFAULT.name == simulation.model_name
    assert len(MUSCLES) == 19


# -- built-ins ----------------------------------------------------------------------------
def test_builtins_load_without_problems_and_fit_the_default_model():
    listing = PresetStore().list_presets()
    assert listing.problems == []
    names = set(listing.names())
    assert {"hip-thrust", "relaxed", "hamstrings", "glutes", "quadriceps", "hip-flexors"} <= names
    assert {"abductors", "adductors", "calf", "standing-tone"} <= names
    for preset in listing.presets:
        assert preset.kind == BUILTIN
        assert preset.path.parent == assets_dir() / "presets"
        assert preset.description
        assert match_preset(preset, MUSCLES).notes == ()


def test_hip_thrust_builtin_is_indices_2_4_10_12():
    values, notes = excitations_from_preset("hip-thrust", MUSCLES)
    assert list(np.flatnonzero(values)) == [2, 4, 10, 12]
    assert values.tolist() == HIP_THRUST
    assert notes == []
    relaxed, _ = excitations_from_preset("relaxed", MUSCLES)
    assert not relaxed.any()


@pytest.mark.parametrize(
    ("name", "muscles_on"),
    [
        ("hamstrings", {"hamstrings_r", "hamstrings_l", "bifemsh_r", "bifemsh_l"}),
        ("glutes", {"glut_max_r", "glut_max_l"}),
        ("quadriceps", {"rect_fem_r", "rect_fem_l", "vasti_r", "vasti_l"}),
        ("hip-flexors", {"iliopsoas_r", "iliopsoas_l"}),
        ("abductors", {"abd_r", "abd_l"}),
        ("adductors", {"add_r", "add_l"}),
        ("calf", {"gastroc_l", "soleus_l"}),
    ],
)
def test_muscle_group_builtins_switch_on_their_group_only(name, muscles_on):
    values, _ = excitations_from_preset(name, MUSCLES)
    assert {m for m, v in zip(MUSCLES, values, strict=True) if v == 1.0} == muscles_on
    assert {m for m, v in zip(MUSCLES, values, strict=True) if v == 0.0} == set(MUSCLES) - muscles_on


def test_standing_tone_is_all_muscles_at_five_percent():
    values, _ = excitations_from_preset("standing-tone", MUSCLES)
    assert values.tolist() == [0.05] * 19


# -- round trip ---------------------------------------------------------------------------
def test_save_get_list_export_import_round_trip(store, tmp_path):
    before = datetime.now().astimezone()
    saved = store.save("My Thrust_1.0", MUSCLES, np.array(HIP_THRUST) * 0.5, model=DEFAULT.name, description="half")
    assert saved.path == tmp_path / "user" / "My Thrust_1.0.json"

    on_disk = json.loads(saved.path.read_text(encoding="utf-8"))
    assert set(on_disk) == {"schema_version", "name", "description", "model", "muscles", "excitations", "created"}
    assert on_disk["schema_version"] == 1
    assert on_disk["muscles"] == list(MUSCLES)
    assert on_disk["excitations"] == [v * 0.5 for v in HIP_THRUST]
    assert on_disk["created"].endswith("Z")
    created = datetime.fromisoformat(on_disk["created"])
    assert abs((created - before).total_seconds()) < 60

    loaded = store.get("my thrust_1.0")  # any case
    assert loaded == saved
    assert loaded.kind == USER
    listing = store.list_presets()
    assert listing.names()[-1] == "My Thrust_1.0"
    assert [p.kind for p in listing.presets].count(USER) == 1

    exported = store.export("My Thrust_1.0", tmp_path / "elsewhere" / "shared.json")
    assert read_preset_file(exported) == saved
    again = store.import_file(exported, model=DEFAULT.name, muscle_names=MUSCLES, name="copy")
    assert again.excitations == saved.excitations
    assert again.created == saved.created
    assert again.description == "half"


def test_default_store_keeps_user_presets_under_muscle_lab_home(isolated_user_data):
    PresetStore().save("home", MUSCLES, HIP_THRUST, model=DEFAULT.name)
    assert (isolated_user_data / "presets" / "home.json").is_file()
    values, notes = excitations_from_preset("home", MUSCLES)
    assert values.tolist() == HIP_THRUST and notes == []


def test_export_never_overwrites_without_force_and_accepts_a_folder(store, tmp_path):
    target = tmp_path / "taken.json"
    target.write_text("keep me", encoding="utf-8")
    with pytest.raises(PresetExistsError, match=f"^{target} already exists$"):
        store.export("relaxed", target)
    assert target.read_text(encoding="utf-8") == "keep me"
    assert store.export("relaxed", target, force=True) == target
    assert read_preset_file(target).name == "relaxed"
    assert store.export("glutes", tmp_path) == tmp_path / "glutes.json"


# -- names and clashes --------------------------------------------------------------------
def test_saving_over_a_user_preset_needs_force(store):
    save_hip_thrust_copy(store)
    with pytest.raises(PresetExistsError, match=r"^a user preset named 'mine' already exists$"):
        store.save("MINE", MUSCLES, [0.0] * 19, model=DEFAULT.name)
    assert store.get("mine").excitations == tuple(HIP_THRUST)
    store.save("MINE", MUSCLES, [0.25] * 19, model=DEFAULT.name, force=True)
    assert sorted(p.name for p in store.user_dir.iterdir()) == [".lock", "MINE.json"]
    assert store.get("mine").excitations == (0.25,) * 19


@pytest.mark.parametrize("name", ["hip-thrust", "Hip-Thrust", "RELAXED"])
def test_a_user_preset_may_not_shadow_a_builtin(store, name):
    with pytest.raises(
        PresetError, match=r"^'(hip-thrust|relaxed)' is the name of a built-in preset; choose another name$"
    ):
        store.save(name, MUSCLES, HIP_THRUST, model=DEFAULT.name, force=True)
    assert not store.user_dir.exists()


def test_a_stray_user_file_named_like_a_builtin_is_reported_not_used(store):
    store.user_dir.mkdir()
    stray = store.user_dir / "relaxed.json"
    shutil.copy(assets_dir() / "presets" / "hip-thrust.json", stray)
    text = stray.read_text(encoding="utf-8").replace('"hip-thrust"', '"relaxed"')
    stray.write_text(text, encoding="utf-8")
    listing = store.list_presets()
    assert [str(p) for p in listing.problems] == [f"{stray}: would hide the built-in preset 'relaxed'; rename the file"]
    assert [p.kind for p in listing.presets if p.name == "relaxed"] == [BUILTIN]
    assert not store.get("relaxed").excitations[2]
    assert stray.read_text(encoding="utf-8") == text


def test_user_names_that_differ_only_in_case_are_reported(store):
    save_hip_thrust_copy(store, "twin")
    clash = store.user_dir / "Twin.json"
    clash.write_text((store.user_dir / "twin.json").read_text(encoding="utf-8").replace('"twin"', '"Twin"'))
    if len(list(store.user_dir.glob("*.json"))) == 1:
        pytest.skip("case-insensitive file system")
    listing = store.list_presets()
    assert [str(p) for p in listing.problems] == [
        f"{store.user_dir / 'twin.json'}: another preset is already named 'Twin' (names ignore case)"
    ]
    assert [p.name for p in listing.presets if p.kind == USER] == ["Twin"]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "a preset name cannot be empty"),
        ("x" * 65, "preset name is 65 characters long; the limit is 64"),
        ("a/b", "preset name 'a/b' contains a path separator"),
        ("a\\b", "preset name 'a\\\\b' contains a path separator"),
        (".hidden", "preset name '.hidden' starts with a dot"),
        ("semi;colon", "preset name 'semi;colon' may only contain letters, digits, spaces, '-', '_' and '.'"),
        (" padded", "preset name ' padded' starts or ends with a space"),
    ],
)
def test_invalid_names_are_refused(store, name, message):
    with pytest.raises(PresetError) as raised:
        save_hip_thrust_copy(store, name)
    assert str(raised.value) == message
    assert not store.user_dir.exists()


def test_save_refuses_bad_values_with_the_muscle_named(store):
    with pytest.raises(PresetError, match=r"^excitation 5 \(iliopsoas_r\) = 1.2 is outside \[0, 1\]$"):
        store.save("bad", MUSCLES, [0.0] * 5 + [1.2] + [0.0] * 13, model=DEFAULT.name)
    with pytest.raises(PresetError, match=r"^excitation 0 \(abd_r\) is not a finite number: nan$"):
        store.save("bad", MUSCLES, [float("nan")] + [0.0] * 18, model=DEFAULT.name)
    with pytest.raises(PresetError, match=r"^19 muscles but 18 excitations$"):
        store.save("bad", MUSCLES, [0.0] * 18, model=DEFAULT.name)


# -- rename and delete --------------------------------------------------------------------
def test_rename_moves_the_file_and_keeps_the_values(store):
    save_hip_thrust_copy(store)
    renamed = store.rename("mine", "thrust two")
    assert sorted(p.name for p in store.user_dir.iterdir()) == [".lock", "thrust two.json"]
    assert store.get("thrust two").excitations == tuple(HIP_THRUST)
    assert renamed.description == "my thrust"
    store.rename("thrust two", "Thrust Two")  # only the case changes
    assert sorted(p.name for p in store.user_dir.iterdir()) == [".lock", "Thrust Two.json"]


def test_rename_refuses_builtins_and_taken_names(store):
    save_hip_thrust_copy(store, "one")
    save_hip_thrust_copy(store, "two")
    with pytest.raises(PresetError, match=r"^'relaxed' is a built-in preset and cannot be renamed$"):
        store.rename("relaxed", "floppy")
    with pytest.raises(PresetExistsError, match=r"^a user preset named 'two' already exists$"):
        store.rename("one", "TWO")
    with pytest.raises(PresetError, match=r"^'glutes' is the name of a built-in preset; choose another name$"):
        store.rename("one", "glutes")
    assert sorted(p.name for p in store.user_dir.iterdir()) == [".lock", "one.json", "two.json"]


def test_delete_removes_user_presets_only(store):
    save_hip_thrust_copy(store)
    assert store.delete("MINE") == store.user_dir / "mine.json"
    assert [p.name for p in store.user_dir.iterdir()] == [".lock"]
    with pytest.raises(PresetError, match=r"^'hip-thrust' is a built-in preset and cannot be deleted$"):
        store.delete("hip-thrust")
    with pytest.raises(PresetError, match=r"^no user preset named 'ghost'$"):
        store.delete("ghost")
    assert (assets_dir() / "presets" / "hip-thrust.json").is_file()


def test_an_unreadable_user_preset_can_still_be_deleted(store):
    store.user_dir.mkdir()
    shutil.copy(FIXTURES / "nan.json", store.user_dir)
    store.delete("nan")
    assert list(store.user_dir.iterdir()) == []


# -- atomic writes ------------------------------------------------------------------------
@pytest.mark.parametrize("failing_call", ["replace", "fsync"])
def test_a_crash_mid_write_leaves_the_old_file_intact(store, monkeypatch, failing_call):
    save_hip_thrust_copy(store)
    path = store.user_dir / "mine.json"
    old_bytes = path.read_bytes()

    def crash(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, failing_call, crash)
    with pytest.raises(PresetError, match=f"^cannot write {path}: No space left on device$"):
        store.save("mine", MUSCLES, [0.5] * 19, model=DEFAULT.name, force=True)
    monkeypatch.undo()
    assert path.read_bytes() == old_bytes
    assert sorted(p.name for p in store.user_dir.iterdir()) == [".lock", "mine.json"]  # no temporary file left
    assert store.get("mine").excitations == tuple(HIP_THRUST)


# -- bad files ----------------------------------------------------------------------------
@pytest.mark.parametrize(("file_name", "reason"), sorted(BAD_FILES.items()))
def test_each_kind_of_bad_file_is_reported_with_file_and_reason(file_name, reason):
    path = FIXTURES / file_name
    with pytest.raises(PresetFileError) as raised:
        read_preset_file(path)
    assert raised.value.path == path
    assert raised.value.reason == reason
    assert str(raised.value) == f"{path}: {reason}"


def test_bad_files_are_skipped_reported_and_left_untouched(store):
    store.user_dir.mkdir()
    for file_name in [*BAD_FILES, "name-mismatch.json"]:
        shutil.copy(FIXTURES / file_name, store.user_dir)
    save_hip_thrust_copy(store, "good")
    before = {p.name: p.read_bytes() for p in store.user_dir.iterdir()}

    listing = store.list_presets()

    reasons = {p.path.name: p.reason for p in listing.problems}
    assert reasons == {
        **BAD_FILES,
        "name-mismatch.json": "the name 'something-else' does not match the file name 'name-mismatch.json'",
    }
    assert [p.name for p in listing.presets if p.kind == USER] == ["good"]
    assert "hip-thrust" in listing.names()
    assert {p.name: p.read_bytes() for p in store.user_dir.iterdir()} == before


def test_getting_a_bad_preset_raises_its_file_error(store):
    store.user_dir.mkdir()
    shutil.copy(FIXTURES / "schema-3.json", store.user_dir)
    with pytest.raises(
        PresetFileError, match=r"schema-3\.json: unknown schema_version 3 \(this muscle_lab reads versions 1 and 2\)$"
    ):
        store.get("schema-3")
    with pytest.raises(PresetError, match=r"^no preset named 'ghost'$"):
        store.get("ghost")


# -- files that are not presets at all ----------------------------------------------------
def test_fifos_devices_and_big_files_in_the_user_folder_are_skipped_without_reading(store, tmp_path, in_child):
    store.user_dir.mkdir()
    os.mkfifo(store.user_dir / "p.json")  # opening it for reading would wait for a writer forever
    (store.user_dir / "z.json").symlink_to("/dev/zero")  # reading it would never end
    (store.user_dir / "folder.json").mkdir()
    big = json.loads((assets_dir() / "presets" / "relaxed.json").read_text(encoding="utf-8"))
    big.update(name="big", description="x" * 2**20)
    (store.user_dir / "big.json").write_text(json.dumps(big), encoding="utf-8")
    elsewhere = tmp_path / "linked.json"
    glutes = read_preset_file(assets_dir() / "presets" / "glutes.json")
    elsewhere.write_text(glutes.to_json().replace('"glutes"', '"linked"'), encoding="utf-8")
    (store.user_dir / "linked.json").symlink_to(elsewhere)  # a link to a regular file is fine

    def listing() -> tuple[dict[str, str], list[str]]:
        result = store.list_presets()
        return {p.path.name: p.reason for p in result.problems}, [p.name for p in result.presets if p.kind == USER]

    assert in_child(listing) == (
        "returned",
        (
            {
                "big.json": "larger than 1 MB",
                "folder.json": "not a regular file (a folder)",
                "p.json": "not a regular file (a FIFO)",
                "z.json": "not a regular file (a character device)",
            },
            ["linked"],
        ),
    )
    fifo = store.user_dir / "p.json"
    assert in_child(lambda: store.get("P")) == ("raised", f"PresetFileError: {fifo}: not a regular file (a FIFO)")


@pytest.mark.parametrize(
    ("source", "reason"),
    [("/dev/zero", "not a regular file (a character device)"), ("fifo.json", "not a regular file (a FIFO)")],
)
def test_import_refuses_devices_and_fifos_without_reading_them(store, tmp_path, source, reason, in_child):
    os.mkfifo(tmp_path / "fifo.json")
    path = tmp_path / source  # an absolute source stays as it is

    def import_it() -> str:
        return store.import_file(path, model=DEFAULT.name, muscle_names=MUSCLES, name="x").name

    assert in_child(import_it) == ("raised", f"PresetFileError: {path}: {reason}")
    assert not store.user_dir.exists()


def test_import_refuses_a_file_over_1_mb(store, tmp_path):
    source = tmp_path / "long.json"
    source.write_text("[" + ", ".join(["0.0"] * 19) + "]" + " " * 2**20, encoding="utf-8")
    with pytest.raises(PresetFileError) as raised:
        store.import_file(source, model=DEFAULT.name, muscle_names=MUSCLES)
    assert str(raised.value) == f"{source}: larger than 1 MB"


def test_a_file_name_that_is_not_utf8_is_reported_printably(store):
    store.user_dir.mkdir()
    odd = os.path.join(os.fsencode(store.user_dir), b"\xff.json")
    with open(odd, "w", encoding="utf-8") as stream:
        stream.write((FIXTURES / "nan.json").read_text(encoding="utf-8"))
    listing = store.list_presets()
    assert [str(p) for p in listing.problems] == [
        f"{store.user_dir}/\\xff.json: excitation 3 (bifemsh_r) is not a finite number: nan"
    ]
    str(listing.problems[0]).encode("utf-8")  # printable: no lone surrogate left in the message


@pytest.mark.parametrize("field", ["description", "model"])
def test_save_refuses_a_lone_surrogate_that_could_not_be_printed(store, field):
    options = {"description": "ok", "model": DEFAULT.name, field: "bad \udcff byte"}
    with pytest.raises(PresetError, match=f"^{field} contains an invalid character U\\+DCFF$"):
        store.save("odd", MUSCLES, HIP_THRUST, **options)
    assert not store.user_dir.exists()


# -- concurrent writers and leftovers -----------------------------------------------------
def race_saves(user_dir: Path, names: list[str], *, force: bool = False) -> list[str]:
    """Save each name from its own process, all released at once; what each one reported."""
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(len(names))
    results = context.SimpleQueue()

    def save(name: str) -> None:
        store = PresetStore(user_dir=user_dir)
        barrier.wait(timeout=60)
        try:
            store.save(name, MUSCLES, HIP_THRUST, model=DEFAULT.name, force=force)
            results.put("saved")
        except PresetError as error:
            results.put(str(error))

    processes = [context.Process(target=save, args=(name,)) for name in names]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
    assert [process.exitcode for process in processes] == [0] * len(names)
    return sorted(results.get() for _ in names)


def test_concurrent_saves_of_one_name_let_exactly_one_win(store):
    for round_ in range(15):
        name = f"race {round_}"
        assert race_saves(store.user_dir, [name, name]) == [f"a user preset named {name!r} already exists", "saved"]
    assert len(list(store.user_dir.glob("*.json"))) == 15


def test_concurrent_saves_of_names_differing_in_case_let_exactly_one_win(store):
    for round_ in range(15):
        outcomes = race_saves(store.user_dir, [f"Foo{round_}", f"foo{round_}"])
        assert outcomes[1] == "saved"
        assert outcomes[0] in {f"a user preset named '{n}{round_}' already exists" for n in ("Foo", "foo")}
        assert len([p for p in store.user_dir.glob("*.json") if p.stem.casefold() == f"foo{round_}"]) == 1


def test_concurrent_saves_with_force_all_succeed_and_leave_one_file(store):
    save_hip_thrust_copy(store, "shared")
    for _ in range(5):
        assert race_saves(store.user_dir, ["shared", "SHARED"], force=True) == ["saved", "saved"]
        assert len(list(store.user_dir.glob("*.json"))) == 1
        assert store.get("shared").excitations == tuple(HIP_THRUST)
    assert hidden_files_except_lock(store.user_dir) == []


def test_a_save_waiting_too_long_for_the_lock_fails_and_listing_goes_on(tmp_path):
    store = PresetStore(user_dir=tmp_path / "user", lock_timeout=0.2)
    save_hip_thrust_copy(store, "before")
    with open(store.user_dir / ".lock", "a+b") as holder:  # another writer holding the folder's lock
        fcntl.flock(holder, fcntl.LOCK_EX)
        with pytest.raises(PresetError) as raised:
            save_hip_thrust_copy(store, "during")
        assert str(raised.value) == (
            f"{store.user_dir / '.lock'}: another muscle_lab has held this lock for over 0.2 s; try again"
        )
        assert "before" in store.list_presets().names()
    save_hip_thrust_copy(store, "after")
    assert {"before", "after"} <= set(store.list_presets().names())


def test_stale_temporary_files_are_swept_on_save_and_list_but_fresh_ones_are_kept(store):
    save_hip_thrust_copy(store, "kept")
    hour_ago = time.time() - 3600

    def leftover(name: str, *, old: bool) -> Path:
        path = store.user_dir / name
        path.write_text('{"half": ', encoding="utf-8")  # what kill -9 during a save leaves
        if old:
            os.utime(path, (hour_ago, hour_ago))
        return path

    stale = leftover(".mine.json.k3_9xq0a.tmp", old=True)
    fresh = leftover(".other.json.a1b2c3d4.tmp", old=False)  # maybe a writer at work right now
    unrelated = leftover(".notes.tmp", old=True)  # not named like our temporary files
    store.list_presets()
    assert hidden_files_except_lock(store.user_dir) == [".notes.tmp", ".other.json.a1b2c3d4.tmp"]
    assert fresh.exists() and unrelated.exists() and not stale.exists()

    stale = leftover(".My Thrust_1.0.json.zzzzzzzz.tmp", old=True)
    save_hip_thrust_copy(store, "another")
    assert not stale.exists()
    assert hidden_files_except_lock(store.user_dir) == [".notes.tmp", ".other.json.a1b2c3d4.tmp"]


def test_a_file_system_without_hard_links_still_creates_exclusively(store, monkeypatch):
    save_hip_thrust_copy(store, "taken")

    def no_links(*args, **kwargs):
        raise OSError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    save_hip_thrust_copy(store, "fresh")
    assert store.get("fresh").excitations == tuple(HIP_THRUST)
    taken = store.user_dir / "taken.json"
    with pytest.raises(PresetExistsError, match=f"^{taken} already exists$"):
        store.export("fresh", taken)
    assert store.get("taken").description == "my thrust"
    assert hidden_files_except_lock(store.user_dir) == []


def hidden_files_except_lock(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.startswith(".") and p.name != ".lock")


# -- import -------------------------------------------------------------------------------
def test_import_of_a_plain_list_as_passed_to_env_step(store):
    preset = store.import_file(FIXTURES / "hip-thrust-list.json", model=DEFAULT.name, muscle_names=MUSCLES)
    assert preset.name == "hip-thrust-list"
    assert preset.muscles == MUSCLES
    assert preset.model == DEFAULT.name
    assert preset.description == "Imported from hip-thrust-list.json"
    assert list(preset.excitations) == HIP_THRUST
    named = store.import_file(
        FIXTURES / "hip-thrust-list.json", model=DEFAULT.name, muscle_names=MUSCLES, name="thrust"
    )
    assert store.get("thrust") == named


@pytest.mark.parametrize(
    ("file_name", "reason"),
    [
        ("short-list.json", "a plain list needs one excitation per muscle of gait14dof22musc_pros (19), got 18"),
        ("list-out-of-range.json", "excitation 4 (glut_max_r) = 2 is outside [0, 1]"),
        ("nan.json", "excitation 3 (bifemsh_r) is not a finite number: nan"),
        ("truncated.json", BAD_FILES["truncated.json"]),
    ],
)
def test_import_refuses_bad_files(store, file_name, reason):
    with pytest.raises(PresetFileError) as raised:
        store.import_file(FIXTURES / file_name, model=DEFAULT.name, muscle_names=MUSCLES)
    assert str(raised.value) == f"{FIXTURES / file_name}: {reason}"
    assert not store.user_dir.exists()


def test_import_of_an_exported_builtin_needs_a_new_name(store, tmp_path):
    exported = store.export("hip-thrust", tmp_path)
    with pytest.raises(PresetError, match=r"^'hip-thrust' is the name of a built-in preset; choose another name$"):
        store.import_file(exported, model=DEFAULT.name, muscle_names=MUSCLES)
    preset = store.import_file(exported, model=DEFAULT.name, muscle_names=MUSCLES, name="thrust copy")
    assert list(preset.excitations) == HIP_THRUST


# -- other models -------------------------------------------------------------------------
def test_a_default_model_preset_on_the_9dof18musc_pros_model_drops_extra_muscles(store):
    other = read_model_summary(osim_rl_models_dir() / "gait9dof18musc_pros_20180507.osim")
    assert len(other.muscle_names) == 15
    match = match_preset(store.get("hip-thrust"), other.muscle_names)
    assert match.missing == ()
    assert match.extra == ("abd_r", "add_r", "abd_l", "add_l")
    assert match.notes == ("preset 'hip-thrust' has 4 muscle(s) this model lacks, ignored: abd_r, add_r, abd_l, add_l",)
    expected = [
        1.0 if m in ("hamstrings_r", "glut_max_r", "hamstrings_l", "glut_max_l") else 0.0 for m in other.muscle_names
    ]
    assert match.excitations.tolist() == expected


def test_a_9dof18musc_pros_preset_on_the_default_model_sets_missing_muscles_to_zero(store):
    other = read_model_summary(osim_rl_models_dir() / "gait9dof18musc_pros_20180507.osim")
    store.save("nine", other.muscle_names, [0.5] * 15, model=other.name)
    values, notes = excitations_from_preset("nine", MUSCLES, store)
    assert notes == [
        (
            "preset 'nine' (for model 'gait9dof18musc_pros') has no value for 4 muscle(s) of this model, "
            "set to 0: abd_r, add_r, abd_l, add_l"
        )
    ]
    assert values.tolist() == [0.0 if m.startswith(("abd", "add")) else 0.5 for m in MUSCLES]


def test_a_preset_sharing_no_muscle_is_refused(store):
    store.save("arm", ["biceps", "triceps"], [1.0, 0.0], model="arm26")
    with pytest.raises(PresetError, match=r"^preset 'arm' \(for model 'arm26'\) shares no muscle with this model$"):
        excitations_from_preset("arm", MUSCLES, store)


# -- blend --------------------------------------------------------------------------------
def test_blend_moves_current_towards_the_preset_by_the_strength():
    current = np.full(19, 0.2)
    target = np.array(HIP_THRUST)
    assert np.allclose(blend(current, target, 0.5), current + 0.5 * (target - current))
    assert blend(current, target, 0.0).tolist() == current.tolist()
    assert blend(current, target, 1.0).tolist() == HIP_THRUST
    with pytest.raises(PresetError, match=r"^blend strength must be in \[0, 1\], got 1.5$"):
        blend(current, target, 1.5)
