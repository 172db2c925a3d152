import sys

from ddcolor.cli import main

sys.exit(main())
