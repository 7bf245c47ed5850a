"""Practice insights: choices at each decision point with the content's words, endings and
missed questions, only for groups of at least 5 learners, within the viewer's teams."""
from course_engine.learner.models import AttemptStatus
from tests.employers.conftest import attempt


def _learners(world, make_user, add_member, team, count, prefix):
    users = []
    for i in range(count):
        user = make_user(email=f"{prefix}{i}@example.org", full_name=f"{prefix.title()} {i}")
        add_member(world.org, user, "learner", team=team)
        users.append(user)
    return users


def _play(user, module, accept: bool):
    choices = [("referral", 0, "unsafe"), ("explained", 0, "unsafe")] if accept else \
        [("referral", 1, "safe"), ("alone", 0, "safe")]
    attempt(user, module, status=AttemptStatus.scenario_done, choices=choices,
            ending="unsafe-end" if accept else "safe-end", quiz={"q1": not accept, "q2": True})


def test_insights_suppressed_below_five_learners(world, module, make_user, add_member, login):
    """With 4 learners nothing is shown and the page says why."""
    for i, user in enumerate(_learners(world, make_user, add_member, world.team_a, 4, "few")):
        _play(user, module, accept=i < 2)
    browser = login(world.admin)
    html = browser.get(f"/orgs/{world.org.slug}/insights/first-visit").get_data(as_text=True)
    assert "Fewer than 5 of your learners" in html and "%" not in html.split("<main")[1].split("</main>")[0].replace("100%", "")
    index = browser.get(f"/orgs/{world.org.slug}/insights").get_data(as_text=True)
    assert "fewer than 5 learners so far" in index


def test_insights_show_choice_text_percentages_endings_and_missed_questions(world, module, make_user, add_member, login):
    """With 5 learners: percent per choice in the content's words, endings, and questions most missed."""
    for i, user in enumerate(_learners(world, make_user, add_member, world.team_a, 5, "many")):
        _play(user, module, accept=i < 2)   # 2 accept the explanation, 3 see the child alone
    html = login(world.admin).get(f"/orgs/{world.org.slug}/insights/first-visit").get_data(as_text=True)
    assert "<strong>40%</strong> chose “Accept the father&#39;s explanation”" in html
    assert "<strong>60%</strong> chose “Ask to see Amira alone”" in html
    assert "reached “Amira is safe”" in html and "<strong>40%</strong> reached “Amira is not protected”" in html
    # Only 2 learners reached "The explanation": that point is suppressed.
    assert "Fewer than 5 learners reached this point" in html
    assert html.index("Seeing the child") < html.index("Recording")  # q1 is missed most
    assert "<td>40%</td>" in html


def test_manager_insights_count_only_their_teams(world, module, make_user, add_member, login):
    """A manager's insights count only their teams' learners (so a small team is suppressed)."""
    for user in _learners(world, make_user, add_member, world.team_a, 5, "ateam"):
        _play(user, module, accept=True)
    for user in _learners(world, make_user, add_member, world.team_b, 3, "bteam"):
        _play(user, module, accept=False)
    html_a = login(world.manager_a).get(f"/orgs/{world.org.slug}/insights/first-visit").get_data(as_text=True)
    assert "<strong>100%</strong> chose “Accept the father&#39;s explanation”" in html_a
    html_b = login(world.manager_b).get(f"/orgs/{world.org.slug}/insights/first-visit").get_data(as_text=True)
    assert "Fewer than 5 of your learners" in html_b
    assert login(world.admin).get(f"/orgs/{world.org.slug}/insights/no-such-module").status_code == 404
