import sys

from budgetqa.cli import main

sys.exit(main())
