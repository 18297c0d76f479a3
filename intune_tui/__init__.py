"""intune-tui: a keyboard-first terminal explorer for Microsoft Intune."""

__version__ = "0.1.0"
