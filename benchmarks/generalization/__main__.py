import sys

from benchmarks.generalization import main
from bot.cli import run_printing

sys.exit(run_printing(main))
