from rca.cli.quick import run

run()
