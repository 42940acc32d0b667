"""Root-cause scorers (metrics, logs, dependency graph) and their combination."""
