import sys

from benchmarks.generalization import main

sys.exit(main())
