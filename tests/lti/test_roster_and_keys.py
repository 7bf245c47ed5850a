"""Names and Role Provisioning Services sync a course into a team; the tool's keys are
published, rotated with the old one still published, and what they sign verifies."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from course_engine.audit import AuditLog
from course_engine.db import commit_and_run_callbacks, session, utcnow
from course_engine.lti import keys, roster
from course_engine.lti.models import Context, LtiUser, ScorePost
from course_engine.orgs.models import Membership, OrgRole, Team, TeamManager

from tests.lti.platform import LEARNER


def test_a_course_roster_syncs_into_a_team(lti):
    """Every page of the course's members (two a page, Link: next) is read with a token for the
    NRPS scope; learners join the team, instructors manage it; inactive members are skipped."""
    for n in range(2, 5):
        lti.platform.add_user(f"p-learner-{n}", f"Learner {n}", f"l{n}@council.example", [LEARNER])
    lti.platform.users["p-learner-4"].status = "Inactive"
    lti.platform.courses["course-1"]["members"] += ["p-learner-2", "p-learner-3", "p-learner-4"]
    lti.launch("p-teacher-1", "link-1")  # the launch gives us the course and its roster URL
    session.rollback()
    context = session.scalar(select(Context))
    assert context.memberships_url.endswith("/contexts/course-1/memberships")
    team = session.scalar(select(Team).where(Team.name == "Other team"))
    result = roster.sync_members(None, context, team, now=utcnow())
    commit_and_run_callbacks()
    assert (result.added, result.already, result.inactive) == (4, 0, 1)
    learners = session.scalars(select(LtiUser.subject).join(Membership, Membership.user_id == LtiUser.user_id)
                               .where(Membership.team_id == team.id)).all()
    assert sorted(learners) == ["p-learner-1", "p-learner-2", "p-learner-3"]
    teacher = session.scalar(select(LtiUser).where(LtiUser.subject == "p-teacher-1"))
    teacher_membership = session.scalar(select(Membership).where(Membership.user_id == teacher.user_id))
    assert teacher_membership.role == OrgRole.manager
    assert session.scalar(select(TeamManager.id).where(TeamManager.team_id == team.id,
                                                       TeamManager.membership_id == teacher_membership.id))
    assert session.scalar(select(AuditLog).where(AuditLog.action == "lti.sync_members")).detail["added"] == 4
    again = roster.sync_members(None, context, team, now=utcnow())
    assert (again.added, again.already) == (0, 4)


def test_the_sync_page_is_for_org_admins_and_reports_a_platform_away(lti, make_user, add_member):
    """The org admin's sync button: a manager gets 403; with the platform away the admin gets a
    clear 502 and nothing changes."""
    lti.launch("p-teacher-1", "link-1")
    session.rollback()
    context = session.scalar(select(Context))
    team = session.scalar(select(Team).where(Team.name == "Other team"))
    admin, manager = make_user(email="admin@council.example"), make_user(email="manager@council.example")
    add_member(lti.org, admin, "org_admin")
    add_member(lti.org, manager, "manager")
    from tests.conftest import Browser

    for person, status in ((manager, 403), (admin, 502)):
        browser = Browser(lti.app.test_client())
        browser.login(person.email)
        if status == 502:
            lti.platform.away()
        answer = browser.post(f"/orgs/{lti.org.slug}/lti/courses/{context.id}/sync", {"team": team.id},
                              form_page=f"/orgs/{lti.org.slug}/" if status == 403 else f"/orgs/{lti.org.slug}/lti")
        assert answer.status_code == status
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Membership).where(Membership.team_id == team.id)) == 0


def test_rotation_keeps_the_old_key_published_for_the_overlap(lti):
    """After a rotation the new key signs, the old one stays in the JWKS until its time is up,
    and the platform still accepts our client assertions (it fetches the key set each time)."""
    now = utcnow()
    old = keys.signing_key(now)
    new, retired = keys.rotate(now, overlap_days=7)
    commit_and_run_callbacks()
    assert [k.kid for k in retired] == [old.kid]
    published = {k["kid"] for k in lti.browser.get(lti.tool.url + "/lti/jwks").json()["keys"]}
    assert published == {old.kid, new.kid}
    assert {k["kid"] for k in keys.jwks(now + timedelta(days=8))["keys"]} == {new.kid}
    assert all("d" not in k for k in keys.jwks(now)["keys"])  # never a private part
    assert session.scalar(select(AuditLog).where(AuditLog.action == "lti.rotate_key")) is not None

    lti.launch("p-learner-1", "link-1")
    session.rollback()
    lti.complete(session.scalar(select(LtiUser)).user)
    assert len(lti.platform.all_scores()) == 1  # the platform verified an assertion signed by the new key
    session.rollback()
    assert session.scalar(select(ScorePost)).posted_at is not None


def test_the_rotate_command_says_what_it_did(lti):
    result = lti.app.test_cli_runner().invoke(args=["lti", "keys", "rotate", "--overlap-days", "3"])
    assert result.exit_code == 0 and "New signing key" in result.output
    listing = lti.app.test_cli_runner().invoke(args=["lti", "keys", "list"])
    assert "signs" in listing.output and "1 key, 1 published." in listing.output


def test_private_keys_are_stored_sealed(lti):
    """The database holds the private key only encrypted."""
    from course_engine.lti.models import ToolKey

    row = keys.signing_key(utcnow())
    session.rollback()
    stored = session.get(ToolKey, row.id).private_jwk_sealed
    assert '"d"' not in stored and stored.startswith("gAAAA")
