import sys

from benchmarks.listening import main

sys.exit(main())
