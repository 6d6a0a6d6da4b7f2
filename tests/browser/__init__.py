"""Browser tests: the real server in Debian's headless Chromium, with axe-core accessibility checks."""
