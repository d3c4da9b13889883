"""`python -m muscle_lab.bench` times the simulation; `--gui` times the window instead;
`--history` measures the memory the history keeps; `--env` times the gymnasium environment;
`--soak` watches memory over a long session of the window and of the environment; `--compiled`
checks and times the compiled engine; `--pose-cost` times drawing a pose every step on it;
`--beside-myosuite` times the environment beside MyoSuite's leg."""

import atexit
import os
import shutil
import sys
import tempfile

from muscle_lab.core.paths import HOME_ENV

# A benchmark never reads or writes the user's own settings, presets or caches (the GUI benchmark
# changes the window's choices, the atlas benchmark fills a cache): a fresh home for each run.
_home = tempfile.mkdtemp(prefix="muscle_lab-bench-")
os.environ[HOME_ENV] = _home
atexit.register(shutil.rmtree, _home, ignore_errors=True)

if "--gui" in sys.argv[1:]:
    from muscle_lab.qt.gui_benchmark import main_gui

    sys.exit(main_gui([a for a in sys.argv[1:] if a != "--gui"]))
if "--atlas" in sys.argv[1:]:
    from muscle_lab.bench.atlas import main_atlas

    sys.exit(main_atlas([a for a in sys.argv[1:] if a != "--atlas"]))
if "--history" in sys.argv[1:]:
    from muscle_lab.bench.history import main_history

    sys.exit(main_history([a for a in sys.argv[1:] if a != "--history"]))
if "--soak" in sys.argv[1:]:
    from muscle_lab.bench.soak import main_soak

    sys.exit(main_soak([a for a in sys.argv[1:] if a != "--soak"]))
if "--compiled" in sys.argv[1:]:
    from muscle_lab.bench.compiled import main_compiled

    sys.exit(main_compiled([a for a in sys.argv[1:] if a != "--compiled"]))
if "--pose-cost" in sys.argv[1:]:
    from muscle_lab.bench.pose_cost import main_pose_cost

    sys.exit(main_pose_cost([a for a in sys.argv[1:] if a != "--pose-cost"]))
if "--beside-myosuite" in sys.argv[1:]:
    from muscle_lab.bench.beside_myosuite import main_beside_myosuite

    sys.exit(main_beside_myosuite([a for a in sys.argv[1:] if a != "--beside-myosuite"]))
if "--env" in sys.argv[1:]:
    from muscle_lab.bench.env import main_env

    sys.exit(main_env([a for a in sys.argv[1:] if a != "--env"]))

from muscle_lab.bench.simulation import main  # noqa: E402  after the home is set

sys.exit(main(sys.argv[1:]))
