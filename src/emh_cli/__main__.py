from emh_cli.entry import run

run()
