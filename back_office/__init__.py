"""The back office (/office): institution editors, reviewers, translators and administrators keep
the catalogue true through drafts that are checked like a build, reviewed, and published into
data/ with a build; accounts, drafts and the audit log live in a SQL database (SQLAlchemy)."""
