"""`python -m muscle_lab` behaves like `python main.py`."""

from muscle_lab.cli import main

raise SystemExit(main())
