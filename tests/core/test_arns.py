from hypothesis import given, strategies as st

from eventyard.core import arns

_part = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=12)


def test_build_and_parse():
    text = arns.build("events", "us-east-1", "123456789012", "event-bus/orders")
    assert text == "arn:aws:events:us-east-1:123456789012:event-bus/orders"
    arn = arns.parse(text)
    assert arn is not None
    assert (arn.service, arn.region, arn.account) == ("events", "us-east-1", "123456789012")
    assert (arn.resource_type, arn.resource_id) == ("event-bus", "orders")


def test_colon_resources_and_non_arns():
    arn = arns.parse("arn:aws:states:eu-west-1:1:stateMachine:flow")
    assert arn is not None and arn.resource_type == "stateMachine" and arn.resource_id == "flow"
    assert arns.parse("arn:aws:sqs:us-east-1:1:queue").resource_type == ""
    for bad in ("", "orders", "arn:aws:events", "urn:aws:events:r:a:x", "arn::events:r:a:x"):
        assert arns.parse(bad) is None


@given(_part, _part, st.text(alphabet="0123456789", min_size=12, max_size=12), _part, _part)
def test_round_trip(service, region, account, kind, name):
    text = arns.build(service, region, account, f"{kind}/{name}")
    arn = arns.parse(text)
    assert arn is not None and str(arn) == text and arn.resource_id == name
