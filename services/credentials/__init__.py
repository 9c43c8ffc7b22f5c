"""credentials (grows with the tools issue)."""
