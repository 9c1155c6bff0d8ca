"""SQLAlchemy models, the SQLite engine and Alembic migrations."""
