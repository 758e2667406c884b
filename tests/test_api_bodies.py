"""Bodies that are not what an endpoint reads: refused with the field and the reason."""

import pytest

WRITES = [
    ("post", "/api/torrentcreator/calculate-pieces"),
    ("post", "/api/torrentcreator/validate-trackers"),
    ("post", "/api/qbittorrent/browse"),
    ("post", "/api/jobs"),
    ("put", "/api/navigation/preferences"),
]


@pytest.mark.parametrize(("method", "url"), WRITES)
@pytest.mark.parametrize("body", ["[]", "[1, 2]", "null", "42", '"x"', "true"])
def test_a_body_that_is_not_an_object_is_refused(user_client, db, method, url, body):
    response = getattr(user_client, method)(url, body, content_type="application/json")
    assert response.status_code == 422, response.content
    assert response.json()["errors"] == [{"field": "body", "message": "Must be a JSON object."}]


def test_a_preset_import_item_that_is_not_an_object_is_refused(staff_client, db):
    response = staff_client.post(
        "/api/presets/import", '[{"name": "A"}, 7]', content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "1", "message": "Must be a JSON object."}]


def test_a_field_of_several_shapes_is_named_as_sent(user_client, db):
    response = user_client.post(
        "/api/torrentcreator/validate-trackers",
        {"trackers": [[5]]},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"trackers.0.0", "trackers"}
