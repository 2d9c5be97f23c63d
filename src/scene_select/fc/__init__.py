"""fc package."""
