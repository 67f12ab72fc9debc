"""Reading and writing catalog and package definitions (YAML folders and xlsx item sheets)."""
