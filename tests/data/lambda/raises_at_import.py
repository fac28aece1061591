"""A handler module that raises something other than ImportError while it is imported."""

raise ValueError("configuration missing")
