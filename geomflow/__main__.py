"""``python -m geomflow``: the ``geomflow`` command without the console script."""

from .cli import main

raise SystemExit(main())
