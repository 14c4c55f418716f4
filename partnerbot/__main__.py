from partnerbot.cli import main

raise SystemExit(main())
