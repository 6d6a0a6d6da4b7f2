"""`isoko user add` and `isoko user role`: accounts of the back office from the command line
(the first administrator is made this way)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

import click

from back_office.roles import ROLES

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

from .config import Config


@click.group()
def user() -> None:
    """Accounts of the back office (/office)."""


@user.command("add")
@click.argument("email")
@click.option("--name", default="", help="Shown to colleagues (default: the e-mail address).")
@click.option("--admin", is_flag=True, help="An administrator: manages accounts and may change anything.")
@click.password_option(envvar="ISOKO_NEW_PASSWORD", help="Asked twice when not given (env ISOKO_NEW_PASSWORD).")
@click.pass_obj
def add(config: Config, email: str, name: str, admin: bool, password: str) -> None:
    """Create the account EMAIL."""
    from back_office.accounts import add_user

    url = _in_session(config, lambda session: add_user(session, email, name, password, admin=admin))
    click.echo(f"account {email.lower()} created{' (administrator)' if admin else ''} in {_shown(url)}")


@user.command("role")
@click.argument("email")
@click.argument("role", type=click.Choice(ROLES))
@click.argument("institution", default="*")
@click.option("--remove", is_flag=True, help="Take the role back.")
@click.pass_obj
def role(config: Config, email: str, role: str, institution: str, remove: bool) -> None:
    """Give EMAIL the ROLE for INSTITUTION (its slug, e.g. obr; translators and Kirundi reviewers: all)."""
    from back_office.accounts import find_user, set_role

    _in_session(config, lambda session: set_role(session, find_user(session, email), institution, role,
                                                 granted=not remove))
    click.echo(f"{email.lower()}: {role} of {institution} {'removed' if remove else 'given'}")


def _in_session(config: Config, action: Callable[["Session"], object]) -> str:
    """Run `action` in a session of the (upgraded) back-office database, committed; its URL."""
    # imported here: SQLAlchemy and Alembic cost every other `isoko` command 0.45 s at start-up
    from back_office.accounts import AccountError
    from back_office.database import database_url, session_for, upgrade

    url = database_url(config)
    upgrade(url)
    try:
        with session_for(url) as session:
            action(session)
    except AccountError as err:
        raise click.ClickException(str(err))
    return url


def _shown(url: str) -> str:
    return url.split("@")[-1] if "@" in url else url
