"""`python -m simbranch ...`: the same command as `simbranch ...`."""

import sys

from simbranch.cli import main

sys.exit(main())
