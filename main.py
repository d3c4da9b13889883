"""muscle_lab: `python main.py` opens the window; `python main.py run|presets ...` work headless."""

import sys

from muscle_lab.entry import main

if __name__ == "__main__":
    sys.exit(main())
