"""Tags on EventBridge rules (TagResource, UntagResource, ListTagsForResource, PutRule's
Tags) through boto3 against a real server, on both backends."""

from __future__ import annotations

import uuid

import pytest
from botocore.exceptions import ClientError

from _clients import client


def _account() -> str:
    return str(uuid.uuid4().int)[:12].rjust(12, "1")


def _tags(ev, arn: str) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in ev.list_tags_for_resource(ResourceARN=arn)["Tags"]}


def test_rule_tags_on_default_and_custom_buses(server):
    account = _account()
    ev = client("events", server.url, account=account)
    ev.create_event_bus(Name="shop")
    default_rule = ev.put_rule(Name="r", EventPattern='{"source": ["a"]}', Tags=[{"Key": "team", "Value": "a"}])["RuleArn"]
    shop_rule = ev.put_rule(Name="r", EventBusName="shop", EventPattern='{"source": ["a"]}')["RuleArn"]
    assert default_rule == f"arn:aws:events:us-east-1:{account}:rule/r"
    assert shop_rule == f"arn:aws:events:us-east-1:{account}:rule/shop/r"
    assert _tags(ev, default_rule) == {"team": "a"}
    assert _tags(ev, shop_rule) == {}
    ev.tag_resource(ResourceARN=shop_rule, Tags=[{"Key": "env", "Value": "prod"}, {"Key": "team", "Value": "b"}])
    assert _tags(ev, shop_rule) == {"env": "prod", "team": "b"}
    assert _tags(ev, default_rule) == {"team": "a"}  # same name, other bus: other tags
    ev.untag_resource(ResourceARN=shop_rule, TagKeys=["team", "absent"])
    assert _tags(ev, shop_rule) == {"env": "prod"}
    # deleting the rule forgets its tags
    ev.delete_rule(Name="r", EventBusName="shop")
    ev.put_rule(Name="r", EventBusName="shop", EventPattern='{"source": ["a"]}')
    assert _tags(ev, shop_rule) == {}


def test_missing_rule(server):
    account = _account()
    ev = client("events", server.url, account=account)
    ev.create_event_bus(Name="shop")
    for arn, message in ((f"arn:aws:events:us-east-1:{account}:rule/ghost", "Rule ghost does not exist on EventBus default."),
                         (f"arn:aws:events:us-east-1:{account}:rule/shop/ghost", "Rule ghost does not exist on EventBus shop.")):
        for call in (lambda: ev.list_tags_for_resource(ResourceARN=arn),
                     lambda: ev.tag_resource(ResourceARN=arn, Tags=[{"Key": "a", "Value": "b"}]),
                     lambda: ev.untag_resource(ResourceARN=arn, TagKeys=["a"])):
            with pytest.raises(ClientError) as exc:
                call()
            assert exc.value.response["Error"]["Code"] == "ResourceNotFoundException"
            assert exc.value.response["Error"]["Message"] == message


def test_too_many_rule_tags(server):
    ev = client("events", server.url, account=_account())
    arn = ev.put_rule(Name="r", EventPattern='{"source": ["a"]}')["RuleArn"]
    ev.tag_resource(ResourceARN=arn, Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(50)])
    with pytest.raises(ClientError) as exc:
        ev.tag_resource(ResourceARN=arn, Tags=[{"Key": "one-more", "Value": "v"}])
    assert exc.value.response["Error"]["Code"] == "ValidationException"
    assert len(_tags(ev, arn)) == 50
