"""The service catalogue: organisations, services, their channels and areas."""
