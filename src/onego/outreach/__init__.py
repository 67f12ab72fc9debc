"""Proactive service and each region's hot packages: eligibility rules as data over registry events (issue 17)."""
