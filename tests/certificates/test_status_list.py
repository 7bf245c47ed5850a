"""The Bitstring Status List we publish: the specification's encoding, and revocation and
re-issue setting a badge's bit (course_engine/certificates/status_list.py)."""
import base64
import gzip

from course_engine.certificates import services, status_list
from course_engine.db import utcnow

from .badges import badge_of, payload_of


def test_encoding_is_the_specifications_multibase_base64url_gzip_with_bit_0_leftmost():
    """``u`` + base64url (no padding) of the GZIP of 16 KB; index 0 is the first byte's most
    significant bit, index 9 the second byte's second bit."""
    encoded = status_list.encode({0, 9, 131071})
    assert encoded.startswith("u") and "=" not in encoded
    raw = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    assert len(raw) == 16384
    assert raw[0] == 0x80 and raw[1] == 0x40 and raw[-1] == 0x01 and sum(raw) == 0x80 + 0x40 + 0x01
    assert status_list.decode(encoded) == raw
    assert [status_list.bit(raw, i) for i in (0, 1, 9, 131071, 131070)] == [True, False, True, True, False]


def test_decode_refuses_what_is_not_a_list():
    """Garbage is a ValueError, not a crash."""
    for bad in ("uAAAA", "u!!!", "not base64"):
        try:
            status_list.decode(bad)
        except ValueError:
            continue
        raise AssertionError(f"{bad!r} decoded")


def test_revocation_and_reissue_set_the_bit_and_only_that_bit(app, make_user, holder, complete, certificate_of):
    """A fresh badge's bit is clear; revoking its certificate sets it; re-issuing another
    certificate sets the old badge's bit and leaves the new badge's clear."""
    admin = make_user(email="site@example.org", full_name="Site Admin", is_site_admin=True)
    revoked = certificate_of(complete(holder, "home-visit"))
    renamed = certificate_of(complete(holder, "recording-words"))
    revoked_badge, old_badge = badge_of(revoked), badge_of(renamed)
    assert status_list.set_indexes(1) == []
    services.revoke(revoked, admin, "Issued in error", utcnow())
    replacement = services.reissue(renamed, "Zoë Murphy", utcnow(), "http://localhost")
    new_badge = badge_of(replacement)
    bits = status_list.decode(status_list.status_list_credential(1, {"id": "x"}, utcnow())["credentialSubject"]["encodedList"])
    assert status_list.bit(bits, revoked_badge.status_index) and status_list.bit(bits, old_badge.status_index)
    assert not status_list.bit(bits, new_badge.status_index)
    assert sorted(status_list.set_indexes(1)) == sorted([revoked_badge.status_index, old_badge.status_index])
    entry = payload_of(new_badge.jwt)["credentialStatus"]
    assert entry["statusListIndex"] == str(new_badge.status_index)
    assert entry["id"] == f"{entry['statusListCredential']}#{new_badge.status_index}"


def test_indexes_are_random_and_unique(app, holder, complete, certificate_of):
    """Two badges never share an index, and indexes are drawn at random (so an index says
    nothing about when a badge was issued)."""
    first = badge_of(certificate_of(complete(holder, "home-visit")))
    second = badge_of(certificate_of(complete(holder, "recording-words")))
    assert (first.status_list, first.status_index) != (second.status_list, second.status_index)
    drawn = [status_list.allocate()[1] for _ in range(20)]
    assert len(set(drawn)) > 15 and drawn != sorted(drawn)


def test_a_full_list_moves_on_to_the_next(app, monkeypatch):
    """Once the newest list is half full, the next badge goes in a new list."""
    monkeypatch.setattr(status_list, "FILL_LIMIT", 0)
    assert status_list.allocate()[0] == 2
