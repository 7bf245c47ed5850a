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


# --- the organisation menu ------------------------------------------------------------------
# Every organisation page shows one menu, grouped so it fits on one line at desktop width: a
# row of groups, and under it the links of the group the page belongs to (a sub-navigation:
# plain links, so it works without JavaScript, by keyboard and at 320 px). Features add their
# pages with ``add_to_org_menu`` in ``init_app``.

#: ``app.extensions`` key for the organisation menu's links, in the order they were added.
ORG_MENU = "course_engine.org_menu"
#: The groups, in menu order.
ORG_MENU_GROUPS = ("Reports", "People", "Learning", "Settings")


@dataclass(frozen=True)
class OrgMenuLink:
    """A page in the organisation menu: ``endpoint`` takes ``org_slug``; ``also`` are pages
    reached from it (a team from Teams) that count as being in its place in the menu."""

    group: str
    label: str
    endpoint: str
    admins_only: bool = False
    also: tuple[str, ...] = ()
    #: Position within the group (lower first; equal keeps the order added).
    order: int = 100


@dataclass(frozen=True)
class OrgMenuItem:
    """One organisation menu link as the layout shows it. ``current`` is the value of its
    ``aria-current``: ``"page"`` on its own page, ``"true"`` on a page reached from it, else None."""

    label: str
    url: str
    current: str | None = None


@dataclass(frozen=True)
class OrgMenuGroup:
    """One group as the layout shows it: its first link's URL, and its links."""

    label: str
    url: str
    current: bool
    links: tuple[OrgMenuItem, ...]


def add_to_org_menu(app, link: OrgMenuLink) -> None:
    """Add a page to the organisation menu (once, however often a feature is installed)."""
    if link.group not in ORG_MENU_GROUPS:
        raise ValueError(f"organisation menu group {link.group!r} is not one of {ORG_MENU_GROUPS}")
    links = app.extensions.setdefault(ORG_MENU, [])
    if link not in links:
        links.append(link)


def org_menu(app, org_slug: str, is_admin: bool, endpoint: str | None) -> list[OrgMenuGroup]:
    """The organisation menu for a page at ``endpoint``: the groups the person has links in."""
    links = sorted(app.extensions.get(ORG_MENU, ()), key=lambda link: link.order)
    groups = []
    for name in ORG_MENU_GROUPS:
        mine = [link for link in links if link.group == name and (is_admin or not link.admins_only)]
        if not mine:
            continue
        items = tuple(OrgMenuItem(link.label, app.url_for(link.endpoint, org_slug=org_slug),
                                  "page" if endpoint == link.endpoint else "true" if endpoint in link.also else None)
                      for link in mine)
        groups.append(OrgMenuGroup(name, items[0].url, any(item.current for item in items), items))
    return groups
