"""The DynamoDB record store: the registry's system of record."""
