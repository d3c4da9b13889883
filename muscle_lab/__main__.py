"""`python -m muscle_lab` behaves like `python main.py`: the window, or a headless subcommand."""

from muscle_lab.entry import main

raise SystemExit(main())
