import sys

from incentives.bonuses.engine.cli import main

sys.exit(main())
