"""eventyard: a self-hosted, AWS wire-compatible event-driven platform."""

__version__ = "0.1.0"
__all__ = ["__version__"]
