"""Schemathesis over /api/v1/openapi.json: no server error, every answer as documented.

Each operation gets its own app, on a database with a live session and a scheduled one,
questions at each step from submitted to answered or rejected, a category, a district
and officials, and is called as a logged-in moderator
(session cookie and CSRF header, CSRF protection on) with requests generated from the
document: a fixed seed and a few examples each, in-process through the WSGI app.
"""

import re

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.config import SchemathesisConfig

from liveqa.api.openapi import spec
from liveqa.models import QuestionStatus as S
from liveqa.models import SessionStatus
from tests.conftest import Factory, FreshContextClient, login

CSRF_META = re.compile(r'<meta\s+name="csrf-token"\s+content="([^"]+)"')
EXAMPLES = 12

CONFIG = SchemathesisConfig.from_dict(
    {
        "generation": {
            "mode": "positive",
            # The moderator's own cookie and token are sent; generated ones would log out.
            "with-security-parameters": False,
        },
        "checks": {
            "enabled": False,
            "not_a_server_error": {"enabled": True},
            "status_code_conformance": {"enabled": True},
            "content_type_conformance": {"enabled": True},
            "response_schema_conformance": {"enabled": True},
            "response_headers_conformance": {"enabled": True},
        },
    }
)
schema = schemathesis.openapi.from_dict(spec(), config=CONFIG)
# Ids up to these reach rows the fixture made; one more reaches none (404, 422).
ROWS = {"session_id": 2, "question_id": 6, "into": 6, "version": 4, "official_id": 3}
ROWS |= {"category_id": 1, "district_id": 1, "order": 6}


def _fold(name, value):
    """Return VALUE, an id drawn from a huge range, folded onto the rows made (and one past)."""
    if isinstance(value, list):
        return [_fold(name, item) for item in value]
    if name not in ROWS or isinstance(value, bool) or not isinstance(value, int) or value < 1:
        return value
    return 1 + (value - 1) % (ROWS[name] + 1)


@schema.hook
def map_path_parameters(context, path_parameters):
    """Fold path ids onto existing sessions and questions."""
    if not path_parameters:
        return path_parameters
    return {name: _fold(name, value) for name, value in path_parameters.items()}


@schema.hook
def map_body(context, body):
    """Fold body ids (targets, officials, versions, orders) onto existing rows."""
    if not isinstance(body, dict):
        return body
    return {name: _fold(name, value) for name, value in body.items()}


@pytest.fixture
def staff(make_app):
    """Return (app, client, headers): a moderator logged in on a demo-like database."""
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        factory = Factory()
        live = factory.session(SessionStatus.LIVE)
        factory.session(SessionStatus.SCHEDULED, edition=live.edition)
        official = factory.official()
        category = factory.category(official=official)
        district = factory.district()
        asker = {"asker_name": "Sara", "asker_phone": "09121234567"}
        where = {"category_id": category.id, "district_id": district.id}
        for status in (S.SUBMITTED, S.APPROVED, S.ROUTED, S.ANSWERED, S.REJECTED, S.ON_AIR):
            factory.question(live, status, **asker, **where)
        moderator = factory.user("moderator").username
    client = FreshContextClient(app, app.response_class, use_cookies=True)
    page = client.get("/login").get_data(as_text=True)
    headers = {"X-CSRFToken": CSRF_META.search(page).group(1)}
    # The token lives in the cookie session, which logging in keeps.
    assert login(client, moderator, headers=headers).status_code == 200
    return app, client, headers


OPERATIONS = [op.ok() for op in schema.get_all_operations()]


# Parametrized here rather than by schemathesis, whose items all share one node id.
@pytest.mark.parametrize("operation", OPERATIONS, ids=[op.label for op in OPERATIONS])
def test_every_operation_answers_as_documented(operation, staff):
    app, client, headers = staff

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(case=operation.as_strategy())
    def call(case):
        case.call_and_validate(app=app, session=client, headers=headers, base_url="/api/v1")

    call()
