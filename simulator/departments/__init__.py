"""One module per department: its firms' attributes, its proxies of health, its events, its files.

Each module declares ``FEEDS`` (feed name -> fault stream number) and one class the engine
calls month by month (``simulator/engine.py`` holds the order). ``common`` holds what several
departments share; ``annual_report`` reads the other departments' last year.
"""
