"""Gateways: AgentCore adapter, request models and the safe flow."""
