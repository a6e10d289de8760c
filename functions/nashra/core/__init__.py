"""nashra."""
