# `python -m bot`: the older spelling of `python -m partnerbot` (scripts and tests still use it).
from partnerbot.cli import main

raise SystemExit(main())
