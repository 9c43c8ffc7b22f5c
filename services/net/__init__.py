"""What the registry judges about the network: which addresses are public."""
