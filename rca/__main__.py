from rca.cli.main import run

run()
