"""The Tune tab: `panel` (TunePanel: settings, Start/Cancel, the goal per generation, Save as
preset) and `runner` (the search in a thread of its own, its runs in the core's process pool)."""
