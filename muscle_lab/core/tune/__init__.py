"""Tuning a pattern with CMA-ES: `space` (what is tuned, as a vector in [0, 1]), `goal` (what a
run scores), `evaluate` (runs in the atlas's process pool, or on Ray), `state` (the file a search
resumes from) and `search` (TuneSearch: the generations, progress, cancel)."""
