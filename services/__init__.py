"""Services of the AgentCore tool registry: AWS adapters and the safe flows."""
