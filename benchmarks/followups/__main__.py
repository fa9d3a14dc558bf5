import sys

from benchmarks.followups import main

sys.exit(main())
