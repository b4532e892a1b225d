"""python -m portability lint | spark-build | parity | checksums (docs/spark.md)."""

from portability.cli import main

raise SystemExit(main())
