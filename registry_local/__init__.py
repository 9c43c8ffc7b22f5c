"""Local tooling: the `registry` runner, bootstrap and the AgentCore rules layer for moto."""
