"""Standards drift, item-name standardisation and public proposals for new packages (issue 17)."""
