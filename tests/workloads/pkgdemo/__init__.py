"""Demo package imported as a module target (pkgdemo.ops:run) with cwd tests/workloads."""
