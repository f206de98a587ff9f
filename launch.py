"""Entry point: ``python launch.py`` starts the studio; ``python launch.py --help`` lists the commands."""

import sys

from pipelines.cli import main

if __name__ == "__main__":
    sys.exit(main())
