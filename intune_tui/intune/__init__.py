"""Intune knowledge as data (resources, actions, scopes) and typed operations over the Graph
client."""
