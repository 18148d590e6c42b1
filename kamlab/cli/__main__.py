"""``python -m kamlab.cli``."""

import sys

from kamlab.cli import main

sys.exit(main())
