"""Serving the playground: N replicas behind nginx (replicas.py, nginx.conf.template)."""
