"""keydesk's OpenAPI document (GET /api/v1/openapi.json) and the example
platform document (examples/platform-openapi.yaml) are valid OpenAPI: checked
against the official OpenAPI 3.x JSON Schema vendored under
tests/fixtures/openapi/ and by openapi-spec-validator (which also resolves
every $ref and checks path parameters)."""

import json
import urllib.request

import jsonschema
import pytest
from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename

from conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "openapi"


def official_schema(version: str) -> dict:
    major_minor = ".".join(version.split(".")[:2])
    return json.loads((FIXTURES / major_minor / "schema.json").read_text())


def check(doc: dict):
    schema = official_schema(doc["openapi"])
    cls = jsonschema.validators.validator_for(schema)
    errors = sorted(cls(schema).iter_errors(doc), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:20])
    validate(doc)


def test_keydesks_document_is_valid_openapi(keydesk):
    with urllib.request.urlopen(keydesk.url + "/api/v1/openapi.json") as r:
        doc = json.load(r)
    assert doc["openapi"].startswith("3.1.")
    check(doc)


@pytest.mark.parametrize("name", ["platform-openapi.yaml"])
def test_the_example_platform_document_is_valid_openapi(name):
    doc, _ = read_from_filename(str(ROOT / "examples" / name))
    check(doc)
