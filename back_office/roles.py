"""The back office's roles, without the database layer: the `isoko user` command reads them at start-up."""

ROLES = ("editor", "reviewer", "translator", "kirundi-reviewer")
GLOBAL_ROLES = ("translator", "kirundi-reviewer")  # their institution is "*"
