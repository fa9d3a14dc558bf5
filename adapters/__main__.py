"""`python -m adapters`: the full command line (see `adapters.cli`)."""

import sys

from adapters.cli import main

sys.exit(main())
