"""Certificates carry the issuing organisation's look: its name as shown and its logo on the
PDF, and the public verification page names the organisation (and shows the logo as printed)."""
from __future__ import annotations

import io

import pypdf
from PIL import Image
from sqlalchemy import select

from course_engine.branding import services as branding
from course_engine.branding.images import clean_logo
from course_engine.db import session
from course_engine.employers.models import Assignment, TargetKind
from course_engine.learner.services import published_module

from .conftest import code_of, pdf_text


def _logo_png(colour=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (300, 100), colour).save(out, "PNG")
    return out.getvalue()


def _give_look(org, name="Northshire Children's Services"):
    branding.save_look(None, org, display_name=name, accent_colour="#1f4e79")
    logo = branding.save_logo(None, org, clean_logo(_logo_png()))
    session.commit()
    return logo


def _images(pdf: bytes):
    return [image for page in pypdf.PdfReader(io.BytesIO(pdf)).pages for image in page.images]


def test_pdf_shows_the_issuing_organisations_logo_and_name_as_shown(make_user, make_org, add_member, complete,
                                                                   certificate_of):
    """Read back with pypdf: the name as shown is in the text, and the logo is the one image,
    with the logo's pixel size."""
    org, _ = make_org("Northshire Council")
    logo = _give_look(org)
    learner = make_user(full_name="Lee Learner")
    add_member(org, learner)
    certificate = certificate_of(complete(learner))
    assert certificate.organisation_name == "Northshire Children's Services"
    assert certificate.organisation_logo_sha256 == logo.sha256
    text = pdf_text(certificate.pdf)
    assert "Northshire Children's Services" in text or "Northshire Children’s Services" in text
    images = _images(certificate.pdf)
    assert len(images) == 1
    assert images[0].image.size == (300, 100)


def test_without_a_look_the_certificate_has_no_logo_and_the_organisations_own_name(make_user, make_org, add_member,
                                                                                  complete, certificate_of):
    org, _ = make_org("Northshire Council")
    learner = make_user()
    add_member(org, learner)
    certificate = certificate_of(complete(learner))
    assert certificate.organisation_name == "Northshire Council" and certificate.organisation_logo_sha256 is None
    assert _images(certificate.pdf) == []


def test_with_several_organisations_the_one_that_assigned_the_module_issues_it(make_user, make_org, add_member,
                                                                              complete, certificate_of):
    """An agency worker in two councils: the council that assigned the module is printed; for a
    module neither assigned, or both did, no organisation."""
    north, _ = make_org("Northshire Council")
    south, _ = make_org("Southshire Council")
    _give_look(south, name="Southshire Children's Services")
    worker = make_user(full_name="Agency Worker")
    add_member(north, worker)
    add_member(south, worker)
    home_visit, _ = published_module("home-visit")
    recording, _ = published_module("recording-words")
    session.add(Assignment(organisation_id=south.id, module_id=home_visit.id, target_kind=TargetKind.organisation))
    session.add(Assignment(organisation_id=north.id, module_id=recording.id, target_kind=TargetKind.organisation))
    session.add(Assignment(organisation_id=south.id, module_id=recording.id, target_kind=TargetKind.organisation))
    session.commit()
    assigned = certificate_of(complete(worker, "home-visit"))
    assert assigned.organisation_id == south.id
    assert assigned.organisation_name == "Southshire Children's Services"
    assert len(_images(assigned.pdf)) == 1
    assert certificate_of(complete(worker, "recording-words")).organisation_id is None


def test_verification_page_names_the_issuing_organisation_and_shows_its_logo(client, make_user, make_org, add_member,
                                                                            complete, certificate_of):
    org, _ = make_org("Northshire Council")
    logo = _give_look(org)
    learner = make_user()
    add_member(org, learner)
    certificate = certificate_of(complete(learner))
    code = code_of(certificate)
    page = client.get(f"/verify/{code}").get_data(as_text=True)
    assert "Issuing organisation" in page
    assert "Northshire Children&#39;s Services" in page
    assert "through Northshire Children&#39;s Services" in page
    assert f'src="/brand/logos/{logo.sha256}"' in page
    assert client.get(f"/verify/{code}.json").get_json()["organisation_name"] == "Northshire Children's Services"
    # The logo shown is the one printed, even after the organisation changes it.
    branding.save_logo(None, org, clean_logo(_logo_png(colour=(0, 90, 40))))
    session.commit()
    assert f'src="/brand/logos/{logo.sha256}"' in client.get(f"/verify/{code}").get_data(as_text=True)


def test_a_reissued_certificate_keeps_the_organisation_and_logo_it_was_issued_with(make_user, make_org, add_member,
                                                                                 complete, certificate_of):
    from course_engine.certificates import services
    from course_engine.db import utcnow

    org, _ = make_org("Northshire Council")
    logo = _give_look(org)
    learner = make_user(full_name="Old Name")
    add_member(org, learner)
    certificate = certificate_of(complete(learner))
    replacement = services.reissue(certificate, "New Name", utcnow(), "http://localhost")
    session.commit()
    assert replacement.organisation_logo_sha256 == logo.sha256
    assert len(_images(replacement.pdf)) == 1
    assert "New Name" in pdf_text(replacement.pdf)
    assert session.scalar(select(type(certificate)).where(type(certificate).id == certificate.id)).superseded_by_id
