"""`python -m muscle_lab.bench` times the simulation; `--gui` times the window instead."""

import sys

if "--gui" in sys.argv[1:]:
    from muscle_lab.qt.gui_benchmark import main_gui

    sys.exit(main_gui([a for a in sys.argv[1:] if a != "--gui"]))

from muscle_lab.bench.simulation import main

sys.exit(main(sys.argv[1:]))
