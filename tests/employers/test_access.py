"""Every employer page and export is scoped: anonymous -> log in, a learner -> 403, another
organisation -> 404, a manager -> 404 for another team's people and assignments, and every
POST needs its CSRF token (400 without)."""
import pytest

from tests.conftest import csrf_from
from tests.employers.conftest import assign

GET_PAGES = [
    "/orgs/{org}/dashboard",
    "/orgs/{org}/dashboard/matrix",
    "/orgs/{org}/dashboard/matrix.csv",
    "/orgs/{org}/dashboard/completions",
    "/orgs/{org}/dashboard/completions.csv",
    "/orgs/{org}/dashboard/people/{person}",
    "/orgs/{org}/assignments",
    "/orgs/{org}/insights",
    "/orgs/{org}/insights/first-visit",
]
POSTS = ["/orgs/{org}/assignments", "/orgs/{org}/assignments/{assignment}/remove"]


@pytest.fixture
def urls(world, module):
    assignment = assign(world.org, module, team=world.team_a)
    values = {"org": world.org.slug, "person": world.m["learner_a"].id, "assignment": assignment.id}
    return lambda template: template.format(**values)


@pytest.mark.parametrize("page", GET_PAGES + ["/learning/reminders"])
def test_anonymous_is_sent_to_log_in(app, world, urls, page):
    """Anonymous visitors are sent to the login page."""
    response = app.test_client().get(urls(page))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("page", GET_PAGES)
def test_learner_is_forbidden(world, urls, login, page):
    """A learner of the organisation gets 403 on every employer page."""
    assert login(world.learner_a).get(urls(page)).status_code == 403


@pytest.mark.parametrize("page", GET_PAGES)
def test_other_organisation_gets_404(world, urls, login, page):
    """Someone from another organisation (even its admin) gets 404: the organisation is never confirmed."""
    assert login(world.outsider).get(urls(page)).status_code == 404


@pytest.mark.parametrize("page", GET_PAGES)
def test_admin_and_manager_see_their_pages(world, urls, login, page):
    """The org admin and the manager of the person's team may see each page."""
    for user in (world.admin, world.manager_a):
        assert login(user).get(urls(page)).status_code == 200, (user.email, page)


@pytest.mark.parametrize("page", [
    "/orgs/{org}/dashboard/people/{person}",
    "/orgs/{org}/dashboard/matrix?team={team_a}",
    "/orgs/{org}/dashboard/matrix.csv?team={team_a}",
    "/orgs/{org}/dashboard/completions?team={team_a}",
    "/orgs/{org}/dashboard/completions.csv?team={team_a}",
])
def test_manager_of_another_team_gets_404(world, urls, login, page):
    """A manager asking for another team's person or team gets 404."""
    url = urls(page.replace("{team_a}", str(world.team_a.id)))
    assert login(world.manager_b).get(url).status_code == 404


def test_manager_cannot_remove_or_make_another_teams_assignment(world, urls, login, module):
    """Another team's assignment is a 404 to remove, and assigning to another team is a 404."""
    browser = login(world.manager_b)
    page = f"/orgs/{world.org.slug}/assignments"
    assert browser.post(urls(POSTS[1]), {}, form_page=page).status_code == 404
    response = browser.post(page, {"module": module.id, "target": "team", "team": world.team_a.id, "due": "none"})
    assert response.status_code == 404


def test_manager_cannot_remove_an_organisation_wide_assignment(world, login, module):
    """Only an org admin may remove an assignment to the whole organisation (403 for a manager)."""
    org_wide = assign(world.org, module)
    browser = login(world.manager_a)
    response = browser.post(f"/orgs/{world.org.slug}/assignments/{org_wide.id}/remove", {},
                            form_page=f"/orgs/{world.org.slug}/assignments")
    assert response.status_code == 403


@pytest.mark.parametrize("post", POSTS)
def test_posts_without_csrf_are_refused(world, urls, login, post):
    """Every POST without a CSRF token is a 400."""
    browser = login(world.admin)
    assert browser.client.post(urls(post), data={}).status_code == 400


@pytest.mark.parametrize("post", POSTS)
@pytest.mark.parametrize("who, expected", [("learner_a", 403), ("outsider", 404)])
def test_posts_are_refused_to_learners_and_outsiders(world, urls, login, post, who, expected):
    """Learners get 403 and other organisations 404 on every POST too."""
    browser = login(getattr(world, who))
    token = csrf_from(browser.get("/account").get_data(as_text=True))
    assert browser.client.post(urls(post), data={"csrf_token": token}).status_code == expected
