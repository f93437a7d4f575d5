"""`python -m simbranch.experiment.facts`: measure the facts and write docs/validation.md."""

from simbranch.experiment.facts import main

raise SystemExit(main())
