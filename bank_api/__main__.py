from bank_api.cli import main

raise SystemExit(main())
