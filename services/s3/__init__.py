"""s3 (grows with the tools issue)."""
