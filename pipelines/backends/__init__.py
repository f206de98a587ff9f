"""Try-on backends, one per file, chosen by name through :mod:`pipelines.backends.base`."""
