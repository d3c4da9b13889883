"""Excitation presets: `store` (built-in and the user's, PresetStore) and `format` (the JSON
file, checked)."""
