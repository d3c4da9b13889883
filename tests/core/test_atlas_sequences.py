"""The atlas runs a sequence preset beside the muscles: it plays over time, and is cached apart
from a constant pattern with the same start."""

from __future__ import annotations

from muscle_lab.core.atlas.cache import AtlasCache
from muscle_lab.core.atlas.runs import AtlasRun, AtlasSettings, Pattern
from muscle_lab.core.presets.sequence import ExcitationSequence, Phase
from muscle_lab.core.presets.store import PresetStore

THRUST = tuple(1.0 if i in (2, 4, 10, 12) else 0.0 for i in range(19))
CATCH = tuple(1.0 if i in (6, 7, 14, 15) else 0.0 for i in range(19))


def test_a_sequence_pattern_plays_over_time_and_is_cached_apart(tmp_path):
    muscles = PresetStore().get("hip-thrust").muscles
    sequence = ExcitationSequence(muscles, (Phase(0.05, THRUST), Phase(0.05, CATCH)))
    patterns = (Pattern("thrust then catch", THRUST, sequence), Pattern("thrust", THRUST))
    settings = AtlasSettings(mode="fast", seconds=0.1, patterns=patterns)
    result = AtlasRun(settings, cache=AtlasCache(tmp_path)).run()
    by_name = {effect.name: effect.run for effect in result.patterns}
    played = [tuple(frame.excitations) for frame in by_name["thrust then catch"].frames[1:]]
    assert played == [THRUST] * 5 + [CATCH] * 5
    held = [tuple(frame.excitations) for frame in by_name["thrust"].frames[1:]]
    assert held == [THRUST] * 10
    assert result.runs_computed == 19 + 1 + 2  # the two patterns are two runs, not one cached twice
