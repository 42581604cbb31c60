"""`python -m stacks.plan`: the command users, CI and the docs know, kept as a thin entry.

The offline plan itself lives in `offline/plan.py`, above the composition: this
module only delegates to it, and nothing in the program imports it.
"""

import sys

from offline.plan import main

if __name__ == "__main__":
    sys.exit(main())
