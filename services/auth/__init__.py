"""Who calls the registry: trusted actors or verified tokens (docs/api.md, "Authentication")."""
