"""Small reusable widgets and Qt models."""
