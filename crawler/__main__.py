from crawler.runner import main

raise SystemExit(main())
