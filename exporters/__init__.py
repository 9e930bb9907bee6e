"""The built-in exportdigest targets; each registers through the `exportdigest.exporters` group."""
