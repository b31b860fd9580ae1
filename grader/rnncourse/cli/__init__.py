"""The `rnncourse` command line: click commands and every rich view.

click and rich are imported only in this package. Commands import what they
need when they run, so that `rnncourse check` starts fast.
"""
