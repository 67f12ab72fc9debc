"""The `onego` console command: Django's manage command with OneGo's settings."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onego.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["onego", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
