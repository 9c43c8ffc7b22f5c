"""openapi_generator (grows with the tools issue)."""
