"""Tables below the UI: the rows a list holds, in order, filtered and marked (no Textual here)."""
