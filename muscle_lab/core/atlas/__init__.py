"""The muscle atlas: `runs` (each muscle alone, AtlasSettings and AtlasResult), `pool` (runs in
processes), `effects` (what each run did), `cache` and `page` (the HTML page)."""
