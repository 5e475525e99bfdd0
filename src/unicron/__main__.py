"""``python -m unicron ...``: the same as the ``unicron`` console script (`up` starts its children so)."""

from unicron.cli import main

raise SystemExit(main())
