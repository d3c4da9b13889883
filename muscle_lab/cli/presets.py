"""The `presets` commands: list, show, save, delete, import and export presets.

They read muscle names from the .osim file itself (no OpenSim load), so they answer at once.
Every failure raises PresetError, which the CLI prints as one line with exit status 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from muscle_lab.core.excitations import ExcitationError, parse_excitations
from muscle_lab.core.paths import default_model_path
from muscle_lab.core.presets.store import Preset, PresetError, PresetExistsError, PresetStore, match_preset
from muscle_lab.core.simulation.model_file import ModelFileError, ModelSummary, read_model_summary


def add_presets_commands(subparsers: Any) -> None:
    """Register `presets list|show|save|delete|import|export` on the CLI's subparsers."""
    presets = subparsers.add_parser("presets", help="list, show, save, delete, import and export presets")
    commands = presets.add_subparsers(dest="presets_command", required=True)

    listing = commands.add_parser("list", help="every preset: name, kind (built-in or user), description")
    listing.set_defaults(handler=command_list)

    show = commands.add_parser("show", help="a preset's muscles and excitations")
    show.add_argument("name")
    show.add_argument("--json", action="store_true", help="print the preset file's JSON")
    show.set_defaults(handler=command_show)

    save = commands.add_parser("save", help="save excitations as a user preset")
    save.add_argument("name")
    save.add_argument("--excitations", required=True, metavar="E0,E1,...", help="one value in [0, 1] per muscle")
    save.add_argument("--description", default="", help="what the pattern does")
    save.add_argument("--force", action="store_true", help="replace an existing user preset of that name")
    save.add_argument("--model", metavar="PATH", help="the .osim model the values are for (default: osim-rl's)")
    save.set_defaults(handler=command_save)

    delete = commands.add_parser("delete", help="delete a user preset")
    delete.add_argument("name")
    delete.set_defaults(handler=command_delete)

    imported = commands.add_parser("import", help="import a preset file or a plain JSON list of excitations")
    imported.add_argument("file")
    imported.add_argument("--name", help="name for the imported preset (default: its own, or the file's)")
    imported.add_argument("--force", action="store_true", help="replace an existing user preset of that name")
    imported.add_argument("--model", metavar="PATH", help="the .osim model a plain list is for (default: osim-rl's)")
    imported.set_defaults(handler=command_import)

    export = commands.add_parser("export", help="write a copy of a preset to a file")
    export.add_argument("name")
    export.add_argument("file")
    export.add_argument("--force", action="store_true", help="replace the file if it exists")
    export.set_defaults(handler=command_export)


def command_list(args: argparse.Namespace) -> int:
    listing = PresetStore().list_presets()
    width = max((len(p.name) for p in listing.presets), default=4)
    for preset in listing.presets:
        print(f"{preset.name:<{width}}  {preset.kind:<8}  {preset.description}")
    for problem in listing.problems:
        print(f"muscle_lab: warning: skipped {problem}", file=sys.stderr)
    return 0


def command_show(args: argparse.Namespace) -> int:
    preset = PresetStore().get(args.name)
    if args.json:
        print(preset.to_json(), end="")
        return 0
    print(f"{preset.name} ({preset.kind}): {preset.description}")
    print(f"model {preset.model}, created {preset.created}, file {preset.path}")
    width = max(len(m) for m in preset.muscles)
    sequence = preset.sequence
    if sequence is None:
        for index, (muscle, value) in enumerate(zip(preset.muscles, preset.excitations, strict=True)):
            print(f"{index:>3} {muscle:<{width}}  {value:.3f}")
    elif sequence.phases:
        loop = ", looping" if sequence.loop else ""
        print(f"a sequence of {len(sequence.phases)} phases, {sequence.duration:g} s{loop}")
        print(f"{'':>3} {'':<{width}}  " + "  ".join(f"{p.duration:>5g}s" for p in sequence.phases))
        for index, muscle in enumerate(preset.muscles):
            values = "  ".join(f"{p.excitations[index]:>6.3f}" for p in sequence.phases)
            print(f"{index:>3} {muscle:<{width}}  {values}")
    else:
        loop = ", looping" if sequence.loop else ""
        print(f"keyframes ({sequence.interpolation} interpolation), {sequence.duration:g} s{loop}")
        for index, (muscle, track) in enumerate(zip(preset.muscles, sequence.keyframes, strict=True)):
            keys = "  ".join(f"{t:g}s: {v:.3f}" for t, v in track) or "0"
            print(f"{index:>3} {muscle:<{width}}  {keys}")
    _print_notes(preset, _model(None))
    return 0


def command_save(args: argparse.Namespace) -> int:
    model = _model(args.model)
    try:
        values = parse_excitations(args.excitations)
    except ExcitationError as error:
        raise PresetError(str(error)) from None
    if len(values) != len(model.muscle_names):
        raise PresetError(
            f"expected {len(model.muscle_names)} excitations (one per muscle of {model.name}), got {len(values)}"
        )
    with _force_hint():
        preset = PresetStore().save(
            args.name,
            model.muscle_names,
            values,
            model=model.name,
            description=args.description,
            force=args.force,
        )
    print(f"saved {preset.name} to {preset.path}")
    return 0


def command_delete(args: argparse.Namespace) -> int:
    path = PresetStore().delete(args.name)
    print(f"deleted {path}")
    return 0


def command_import(args: argparse.Namespace) -> int:
    model = _model(args.model)
    with _force_hint():
        preset = PresetStore().import_file(
            args.file, model=model.name, muscle_names=model.muscle_names, name=args.name, force=args.force
        )
    print(f"imported {preset.name} to {preset.path}")
    _print_notes(preset, model)
    return 0


def command_export(args: argparse.Namespace) -> int:
    with _force_hint():
        path = PresetStore().export(args.name, args.file, force=args.force)
    print(f"exported {args.name} to {path}")
    return 0


def _model(path: str | None) -> ModelSummary:
    try:
        return read_model_summary(path if path is not None else default_model_path())
    except ModelFileError as error:
        raise PresetError(str(error)) from None


@contextmanager
def _force_hint() -> Iterator[None]:
    """Add the --force hint to 'already exists' errors (the store itself knows no flags)."""
    try:
        yield
    except PresetExistsError as error:
        raise PresetExistsError(f"{error} (use --force to replace it)") from None


def _print_notes(preset: Preset, model: ModelSummary) -> None:
    """Say which muscles of the default model the preset lacks or adds (matched by name)."""
    try:
        notes = match_preset(preset, model.muscle_names).notes
    except PresetError as error:
        notes = (str(error),)
    for note in notes:
        print(f"muscle_lab: note for {model.name}: {note}", file=sys.stderr)
