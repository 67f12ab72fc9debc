"""OneGo — integrated government services: get one thing done in one go (一件事一次办)."""

__version__ = "0.1.0"
