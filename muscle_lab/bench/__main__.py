"""`python -m muscle_lab.bench` times the simulation; `--gui` times the window instead;
`--history` measures the memory the history keeps; `--env` times the gymnasium environment."""

import sys

if "--gui" in sys.argv[1:]:
    from muscle_lab.qt.gui_benchmark import main_gui

    sys.exit(main_gui([a for a in sys.argv[1:] if a != "--gui"]))
if "--atlas" in sys.argv[1:]:
    from muscle_lab.bench.atlas import main_atlas

    sys.exit(main_atlas([a for a in sys.argv[1:] if a != "--atlas"]))
if "--history" in sys.argv[1:]:
    from muscle_lab.bench.history import main_history

    sys.exit(main_history([a for a in sys.argv[1:] if a != "--history"]))
if "--env" in sys.argv[1:]:
    from muscle_lab.bench.env import main_env

    sys.exit(main_env([a for a in sys.argv[1:] if a != "--env"]))

from muscle_lab.bench.simulation import main

sys.exit(main(sys.argv[1:]))
