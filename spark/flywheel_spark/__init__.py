"""Flywheel's nightly Spark job (see spark/README.md)."""
