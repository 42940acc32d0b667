"""The ``rca`` command line: parse arguments, call :mod:`rca.api`, render. No logic here."""
