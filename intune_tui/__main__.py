"""`python -m intune_tui` is the same as the `intune-tui` command."""

from intune_tui.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
