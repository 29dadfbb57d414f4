"""Persistence: the typed SQLAlchemy models, database opening and Alembic migrations. No Qt."""
