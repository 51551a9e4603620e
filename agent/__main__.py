"""``python -m agent``: the retry-dispute command line."""

import sys

from agent.cli import main

sys.exit(main())
