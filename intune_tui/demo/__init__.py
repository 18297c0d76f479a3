"""The synthetic demo tenant and the fake Graph service that serves it."""
