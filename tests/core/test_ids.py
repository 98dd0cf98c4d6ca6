import re
import uuid

from eventyard.core import ids

CANONICAL = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def test_uuid4_is_a_canonical_random_version_4_uuid() -> None:
    made = [ids.uuid4() for _ in range(2000)]
    assert len(set(made)) == len(made)
    for text in made:
        assert CANONICAL.match(text), text
        parsed = uuid.UUID(text)
        assert parsed.version == 4 and parsed.variant == uuid.RFC_4122
        assert str(parsed) == text


def test_request_and_event_ids_are_uuids() -> None:
    assert CANONICAL.match(ids.request_id()) and CANONICAL.match(ids.event_id())
