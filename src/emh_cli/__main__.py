from emh_cli.cli import main

main()
