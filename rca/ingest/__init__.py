"""Readers that turn log and metric files into :class:`rca.types.Record` streams and frames."""
