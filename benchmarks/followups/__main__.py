import sys

from benchmarks.followups import main
from bot.cli import run_printing

sys.exit(run_printing(main))
