"""The site menu. Features add their links when they are installed; the layout shows the
links the signed-in person may use, marking the one for the section they are in."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

#: Where features add their menu entries (``NavLink`` or a provider function), in menu order.
EXTENSION = "course_engine.nav"


@dataclass(frozen=True)
class NavItem:
    """One link as the layout shows it."""

    label: str
    url: str
    current: bool = False


def signed_in(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False))


@dataclass(frozen=True)
class NavLink:
    """A fixed menu link: to ``endpoint``, for the people ``shown_to`` accepts, current on
    every page whose path starts with ``section``.

    Most links are fixed, and the menu is built on every page, so they are declared rather
    than built by a function each time (declared links cost a third as much to show).
    """

    label: str
    endpoint: str
    section: str
    shown_to: Callable[[Any], bool] = signed_in


#: A function ``(user, request path) -> list[NavItem]``, for links that depend on data
#: (a manager's organisations).
NavProvider = Callable[[Any, str], list[NavItem]]


def add_to_menu(app, entry: NavLink | NavProvider) -> None:
    """Add a link or a provider to the end of the menu (once, however often a feature is installed)."""
    entries = app.extensions.setdefault(EXTENSION, [])
    if entry not in entries:
        entries.append(entry)


def menu_items(app, user: Any, path: str) -> list[NavItem]:
    """The links ``user`` sees on the page at ``path``, in menu order."""
    items = []
    for entry in app.extensions.get(EXTENSION, ()):
        if isinstance(entry, NavLink):
            if entry.shown_to(user):
                items.append(NavItem(entry.label, app.url_for(entry.endpoint), path.startswith(entry.section)))
        else:
            items.extend(entry(user, path))
    return items
