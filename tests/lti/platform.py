"""A small LTI 1.3 platform (an LMS, as far as LTI goes), written from the 1EdTech
specifications and independent of the tool's code: it shares no module with course_engine.

It runs on loopback in the test process (``tests/loopback.py``) and does what Moodle does for
an external tool, checking the tool the way the specifications say a platform must:

- LTI Core 1.3 / Security Framework 1.0 §5.1: third-party login initiation (an auto-posting
  form to the tool's login URL), the authorisation endpoint (scope ``openid``,
  ``response_type=id_token``, ``response_mode=form_post``, ``prompt=none``, the registered
  client id and redirect URI, ``login_hint`` and ``lti_message_hint`` as sent, a nonce), and
  an id_token signed with the platform's own RSA key, published at ``/jwks``.
- Security Framework §4.1: the token endpoint takes the client-credentials grant only with a
  JWT client assertion it verifies against the tool's JWKS URL (fetched over HTTP each time):
  RS256, ``iss`` = ``sub`` = client id, ``aud`` = the token endpoint, unexpired, ``jti`` never
  reused; it grants only scopes it offers.
- Deep Linking 2.0: receives the tool's signed LtiDeepLinkingResponse (checked against the
  tool's JWKS: ``iss`` client id, ``aud`` the platform, nonce, deployment, version) and creates
  a resource link with a line item for each ``ltiResourceLink``.
- AGS 2.0: line items and ``POST {lineitem}/scores`` with the score media type and a bearer
  token holding the score scope; the score's fields are checked.
- NRPS 2.0: ``GET`` a course's memberships with the container media type, two members a page,
  the next page in a ``Link`` header.

``away()`` makes every service answer 503 (maintenance); the test can also stop the server.
"""
from __future__ import annotations

import functools
import html
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlencode

import requests
from flask import Flask, Response, abort, jsonify, request
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
DL_SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
DL_ITEMS = "https://purl.imsglobal.org/spec/lti-dl/claim/content_items"
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
LINEITEM_SCOPES = ["https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
                   "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"]
NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"


@dataclass
class PlatformUser:
    id: str
    name: str
    email: str
    roles: list[str]
    status: str = "Active"


@dataclass
class LineItem:
    id: int
    label: str
    score_maximum: float
    resource_link_id: str
    scores: list[dict] = field(default_factory=list)


@dataclass
class ResourceLink:
    id: str
    title: str
    custom: dict
    context_id: str
    lineitem_id: int | None


@functools.cache
def _platform_key() -> RSAKey:
    """The platform's signing key, made once per test process: a 2048-bit RSA key takes tens of
    milliseconds to generate, and a new one per test proved nothing more (each test's platform
    has its own issuer URL, so no key set is shared between tests; forgers make their own)."""
    return RSAKey.generate_key(2048, parameters={"kid": "platform-key-1", "alg": "RS256", "use": "sig"})


class Platform:
    """The platform's state and its Flask app. Configure ``tool_*`` URLs and ``url`` before use."""

    def __init__(self, client_id: str = "course-engine-tool", deployment_id: str = "deployment-1"):
        self.client_id = client_id
        self.deployment_id = deployment_id
        self.key = _platform_key()
        self.url = ""  # the issuer: set once the server has a port
        self.tool_login_url = self.tool_launch_url = self.tool_jwks_url = ""
        self.users: dict[str, PlatformUser] = {}
        self.courses: dict[str, dict] = {}
        self.resource_links: dict[str, ResourceLink] = {}
        self.line_items: dict[int, LineItem] = {}
        self.deep_link_items: list[dict] = []
        self.seen_jti: set[str] = set()
        self.tokens: dict[str, set[str]] = {}
        self.token_requests = 0
        self.is_away = False
        #: Hooks a test sets to make the platform sign something hostile (id_token claims).
        self.claims_hook = None
        self.lock = threading.Lock()
        self.app = self._make_app()

    # --- set-up by the test --------------------------------------------------------------

    def add_user(self, user_id: str, name: str, email: str, roles=(LEARNER,)) -> PlatformUser:
        self.users[user_id] = PlatformUser(user_id, name, email, list(roles))
        return self.users[user_id]

    def add_course(self, context_id: str, title: str, members: list[str]) -> None:
        self.courses[context_id] = {"id": context_id, "title": title, "members": list(members)}

    def add_resource_link(self, link_id: str, title: str, context_id: str, custom: dict, with_line_item=True) -> ResourceLink:
        lineitem_id = None
        if with_line_item:
            lineitem_id = len(self.line_items) + 1
            self.line_items[lineitem_id] = LineItem(lineitem_id, title, 100.0, link_id)
        self.resource_links[link_id] = ResourceLink(link_id, title, custom, context_id, lineitem_id)
        return self.resource_links[link_id]

    def away(self, is_away: bool = True) -> None:
        self.is_away = is_away

    def lineitem_url(self, link: ResourceLink) -> str:
        return f"{self.url}/contexts/{link.context_id}/lineitems/{link.lineitem_id}/lineitem"

    def all_scores(self) -> list[dict]:
        return [s for item in self.line_items.values() for s in item.scores]

    # --- what the platform signs ---------------------------------------------------------

    def sign(self, claims: dict, key: RSAKey | None = None) -> str:
        key = key or self.key
        return jwt.encode({"alg": "RS256", "kid": key.kid, "typ": "JWT"}, claims, key, algorithms=["RS256"])

    def id_token_claims(self, user: PlatformUser, message_hint: str, nonce: str) -> dict:
        now = int(time.time())
        kind, _, target = message_hint.partition(":")
        claims = {
            "iss": self.url, "aud": self.client_id, "azp": self.client_id, "sub": user.id, "iat": now,
            "exp": now + 300, "nonce": nonce, "name": user.name, "email": user.email,
            LTI + "version": "1.3.0", LTI + "deployment_id": self.deployment_id, LTI + "roles": user.roles,
        }
        if kind == "link":
            link = self.resource_links[target]
            course = self.courses[link.context_id]
            claims.update({
                LTI + "message_type": "LtiResourceLinkRequest",
                LTI + "target_link_uri": self.tool_launch_url,
                LTI + "resource_link": {"id": link.id, "title": link.title},
                LTI + "context": {"id": course["id"], "title": course["title"]},
                LTI + "custom": link.custom,
                NRPS: {"context_memberships_url": f"{self.url}/contexts/{course['id']}/memberships",
                       "service_versions": ["2.0"]},
            })
            ags = {"scope": [SCORE_SCOPE, *LINEITEM_SCOPES], "lineitems": f"{self.url}/contexts/{course['id']}/lineitems"}
            if link.lineitem_id:
                ags["lineitem"] = self.lineitem_url(link)
            claims[AGS] = ags
        elif kind == "deep":
            course = self.courses[target]
            claims.update({
                LTI + "message_type": "LtiDeepLinkingRequest",
                LTI + "target_link_uri": self.tool_launch_url,
                LTI + "context": {"id": course["id"], "title": course["title"]},
                DL_SETTINGS: {"deep_link_return_url": f"{self.url}/deep-link-return/{course['id']}",
                              "accept_types": ["ltiResourceLink"], "accept_presentation_document_targets": ["iframe", "window"],
                              "accept_multiple": True, "data": f"opaque-{course['id']}"},
            })
        if self.claims_hook is not None:
            claims = self.claims_hook(claims)
        return claims

    # --- checking what the tool signs ----------------------------------------------------

    def tool_keys(self) -> KeySet:
        response = requests.get(self.tool_jwks_url, timeout=10)
        response.raise_for_status()
        return KeySet.import_key_set(response.json())

    def verify_from_tool(self, token: str, audience: str) -> dict:
        decoded = jwt.decode(token, self.tool_keys(), algorithms=["RS256"])
        claims = decoded.claims
        if claims.get("iss") != self.client_id:
            raise ValueError("iss is not the tool's client id")
        aud = claims.get("aud")
        if audience not in ([aud] if isinstance(aud, str) else aud or []):
            raise ValueError(f"aud {aud!r} does not name {audience}")
        if not isinstance(claims.get("exp"), int) or claims["exp"] < time.time():
            raise ValueError("expired or no exp")
        return claims

    def _bearer_scopes(self) -> set[str]:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer ") or header[7:] not in self.tokens:
            abort(Response("invalid token", 401, {"WWW-Authenticate": "Bearer"}))
        return self.tokens[header[7:]]

    # --- the app -------------------------------------------------------------------------

    def _make_app(self) -> Flask:
        app = Flask("test_lti_platform")
        platform = self

        def auto_post(action: str, fields: dict) -> str:
            inputs = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(str(v))}">'
                             for k, v in fields.items())
            return f'<form id="auto" method="post" action="{html.escape(action)}">{inputs}</form>'

        @app.before_request
        def _maintenance():
            if platform.is_away and request.endpoint not in ("jwks", "launch", "deep_link_launch", "authorize"):
                return Response("Down for maintenance", 503)
            return None

        @app.get("/jwks")
        def jwks():
            return jsonify({"keys": [platform.key.as_dict(private=False)]})

        def initiate(user_id: str, hint: str):
            return auto_post(platform.tool_login_url, {
                "iss": platform.url, "login_hint": user_id, "target_link_uri": platform.tool_launch_url,
                "lti_message_hint": hint, "client_id": platform.client_id,
                "lti_deployment_id": platform.deployment_id})

        @app.get("/launch/<link_id>")
        def launch(link_id):
            return initiate(request.args["user"], f"link:{link_id}")

        @app.get("/deep-link/<context_id>")
        def deep_link_launch(context_id):
            return initiate(request.args["user"], f"deep:{context_id}")

        @app.route("/auth", methods=["GET", "POST"])
        def authorize():
            args = request.values
            problems = []
            if "openid" not in args.get("scope", "").split():
                problems.append("scope must include openid")
            for name, expected in (("response_type", "id_token"), ("response_mode", "form_post"), ("prompt", "none"),
                                   ("client_id", platform.client_id), ("redirect_uri", platform.tool_launch_url)):
                if args.get(name) != expected:
                    problems.append(f"{name} must be {expected!r}, not {args.get(name)!r}")
            user = platform.users.get(args.get("login_hint", ""))
            if user is None:
                problems.append("login_hint is not a user of this platform")
            if not args.get("nonce") or not args.get("state"):
                problems.append("nonce and state are required")
            hint = args.get("lti_message_hint", "")
            if not hint.startswith(("link:", "deep:")):
                problems.append("lti_message_hint is not one this platform sent")
            if problems:
                return Response("invalid_request: " + "; ".join(problems), 400)
            token = platform.sign(platform.id_token_claims(user, hint, args["nonce"]))
            return auto_post(args["redirect_uri"], {"id_token": token, "state": args["state"]})

        @app.post("/token")
        def token():
            form = request.form
            if form.get("grant_type") != "client_credentials":
                return jsonify(error="unsupported_grant_type"), 400
            if form.get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer":
                return jsonify(error="invalid_client", error_description="JWT client assertion required"), 401
            try:
                claims = platform.verify_from_tool(form.get("client_assertion", ""), f"{platform.url}/token")
            except Exception as exc:  # noqa: BLE001 - every failure is the same refusal
                return jsonify(error="invalid_client", error_description=str(exc)), 401
            if claims.get("sub") != platform.client_id or not claims.get("jti"):
                return jsonify(error="invalid_client", error_description="sub or jti"), 401
            with platform.lock:
                if claims["jti"] in platform.seen_jti:
                    return jsonify(error="invalid_client", error_description="jti reused"), 401
                platform.seen_jti.add(claims["jti"])
                offered = {SCORE_SCOPE, NRPS_SCOPE, *LINEITEM_SCOPES}
                granted = set(form.get("scope", "").split()) & offered
                access = secrets.token_urlsafe(16)
                platform.tokens[access] = granted
                platform.token_requests += 1
            return jsonify(access_token=access, token_type="Bearer", expires_in=3600, scope=" ".join(sorted(granted)))

        @app.post("/deep-link-return/<context_id>")
        def deep_link_return(context_id):
            try:
                claims = platform.verify_from_tool(request.form.get("JWT", ""), platform.url)
            except Exception as exc:  # noqa: BLE001
                return Response(f"deep linking response refused: {exc}", 400)
            if (claims.get(LTI + "message_type") != "LtiDeepLinkingResponse" or claims.get(LTI + "version") != "1.3.0"
                    or claims.get(LTI + "deployment_id") != platform.deployment_id or not claims.get("nonce")
                    or claims.get("https://purl.imsglobal.org/spec/lti-dl/claim/data") != f"opaque-{context_id}"):
                return Response("deep linking response refused: claims", 400)
            for item in claims.get(DL_ITEMS, []):
                if item.get("type") != "ltiResourceLink" or item.get("url") != platform.tool_launch_url:
                    return Response("deep linking response refused: item", 400)
                link_id = f"dl-{len(platform.resource_links) + 1}"
                link = platform.add_resource_link(link_id, item["title"], context_id, item.get("custom", {}),
                                                  with_line_item="lineItem" in item)
                if "lineItem" in item:
                    platform.line_items[link.lineitem_id].score_maximum = item["lineItem"]["scoreMaximum"]
                platform.deep_link_items.append(item)
            return Response(f"added {len(claims.get(DL_ITEMS, []))}", 200)

        @app.post("/contexts/<context_id>/lineitems/<int:lineitem_id>/lineitem/scores")
        def scores(context_id, lineitem_id):
            if SCORE_SCOPE not in platform._bearer_scopes():
                return Response("scope", 403)
            if request.content_type != "application/vnd.ims.lis.v1.score+json":
                return Response("unsupported media type", 415)
            item = platform.line_items.get(lineitem_id)
            if item is None or platform.resource_links[item.resource_link_id].context_id != context_id:
                return Response("no such line item", 404)
            body = json.loads(request.get_data())
            try:
                assert body["userId"] in platform.users
                assert body["activityProgress"] in ("Initialized", "Started", "InProgress", "Submitted", "Completed")
                assert body["gradingProgress"] in ("FullyGraded", "Pending", "PendingManual", "Failed", "NotReady")
                assert 0 <= body["scoreGiven"] <= body["scoreMaximum"]
                assert datetime.fromisoformat(body["timestamp"]).utcoffset() is not None
            except (AssertionError, KeyError, TypeError, ValueError):
                return Response("invalid score", 400)
            with platform.lock:
                item.scores.append(body)
            return Response(status=204)

        @app.get("/contexts/<context_id>/memberships")
        def memberships(context_id):
            if NRPS_SCOPE not in platform._bearer_scopes():
                return Response("scope", 403)
            if "application/vnd.ims.lti-nrps.v2.membershipcontainer+json" not in request.headers.get("Accept", ""):
                return Response("not acceptable", 406)
            course = platform.courses[context_id]
            page = int(request.args.get("page", 1))
            ids = course["members"][(page - 1) * 2: page * 2]
            members = [{"user_id": u.id, "name": u.name, "email": u.email, "roles": u.roles, "status": u.status}
                       for u in (platform.users[i] for i in ids)]
            response = jsonify({"id": request.url, "context": {"id": context_id, "title": course["title"]},
                                "members": members})
            response.content_type = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
            if page * 2 < len(course["members"]):
                response.headers["Link"] = f'<{platform.url}/contexts/{context_id}/memberships?{urlencode({"page": page + 1})}>; rel="next"'
            return response

        return app
