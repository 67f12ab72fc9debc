from onego.cli import main

main()
