"""The dashboard's browser tests. A package, not a bare folder, so that the browser (a package-scoped
fixture, conftest.py) is closed when this folder's tests end, not at the end of the session."""
