"""``python -m kamlab``: the command line (as ``kamlab``)."""

import sys

from kamlab.cli import main

sys.exit(main())
