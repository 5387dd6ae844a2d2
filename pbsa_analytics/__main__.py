import sys

from pbsa_analytics.cli import main

sys.exit(main())
