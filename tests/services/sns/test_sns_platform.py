"""Mobile push and SMS over the wire: platform applications and endpoints, application
subscriptions, Publish to an endpoint or a phone number (accepted, not delivered), SMS
attributes, opt-outs and the sandbox.

Facts: botocore's SNS model (operations, shapes, errors); the README says eventyard
stores these and delivers nothing to them.
"""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from _sns import clients


def code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def test_platform_applications_and_endpoints(server):
    sns, _, account = clients(server)
    app = sns.create_platform_application(Name="app", Platform="GCM",
                                          Attributes={"PlatformCredential": "secret", "EventEndpointCreated": "x"})
    arn = app["PlatformApplicationArn"]
    assert arn == f"arn:aws:sns:us-east-1:{account}:app/GCM/app"
    attrs = sns.get_platform_application_attributes(PlatformApplicationArn=arn)["Attributes"]
    assert "PlatformCredential" not in attrs and attrs["EventEndpointCreated"] == "x"
    sns.set_platform_application_attributes(PlatformApplicationArn=arn, Attributes={"EventEndpointCreated": "y"})
    listed = sns.list_platform_applications()["PlatformApplications"]
    assert [a["PlatformApplicationArn"] for a in listed] == [arn]
    assert listed[0]["Attributes"]["EventEndpointCreated"] == "y"
    with pytest.raises(ClientError) as exc:
        sns.create_platform_application(Name="app", Platform="PIGEON", Attributes={})
    assert code(exc) == "InvalidParameter"

    endpoint = sns.create_platform_endpoint(PlatformApplicationArn=arn, Token="device-1", CustomUserData="u")["EndpointArn"]
    assert endpoint.startswith(f"arn:aws:sns:us-east-1:{account}:endpoint/GCM/app/")
    assert sns.create_platform_endpoint(PlatformApplicationArn=arn, Token="device-1", CustomUserData="u")["EndpointArn"] == endpoint
    with pytest.raises(ClientError) as exc:
        sns.create_platform_endpoint(PlatformApplicationArn=arn, Token="device-1", CustomUserData="other")
    assert code(exc) == "InvalidParameter"
    attrs = sns.get_endpoint_attributes(EndpointArn=endpoint)["Attributes"]
    assert attrs == {"Enabled": "true", "Token": "device-1", "CustomUserData": "u"}
    assert sns.publish(TargetArn=endpoint, Message="push")["MessageId"]
    topic = sns.create_topic(Name="mobile")["TopicArn"]
    sub = sns.subscribe(TopicArn=topic, Protocol="application", Endpoint=endpoint)["SubscriptionArn"]
    assert sub.startswith(topic) and sns.publish(TopicArn=topic, Message="to all")["MessageId"]
    sns.set_endpoint_attributes(EndpointArn=endpoint, Attributes={"Enabled": "false"})
    with pytest.raises(ClientError) as exc:
        sns.publish(TargetArn=endpoint, Message="push")
    assert code(exc) == "EndpointDisabled"
    eps = sns.list_endpoints_by_platform_application(PlatformApplicationArn=arn)["Endpoints"]
    assert [e["EndpointArn"] for e in eps] == [endpoint]
    sns.delete_endpoint(EndpointArn=endpoint)
    sns.delete_endpoint(EndpointArn=endpoint)  # idempotent
    with pytest.raises(ClientError) as exc:
        sns.get_endpoint_attributes(EndpointArn=endpoint)
    assert code(exc) == "NotFound"
    sns.delete_platform_application(PlatformApplicationArn=arn)
    assert sns.list_platform_applications()["PlatformApplications"] == []
    with pytest.raises(ClientError) as exc:
        sns.get_platform_application_attributes(PlatformApplicationArn=arn)
    assert code(exc) == "NotFound"


def test_sms_settings_opt_outs_and_sandbox(server):
    sns, _, _ = clients(server)
    sns.set_sms_attributes(attributes={"DefaultSMSType": "Transactional", "DefaultSenderID": "Yard"})
    assert sns.get_sms_attributes()["attributes"] == {"DefaultSMSType": "Transactional", "DefaultSenderID": "Yard"}
    assert sns.get_sms_attributes(attributes=["DefaultSenderID"])["attributes"] == {"DefaultSenderID": "Yard"}
    for bad in ({"DefaultSMSType": "Loud"}, {"NoSuchThing": "1"}):
        with pytest.raises(ClientError) as exc:
            sns.set_sms_attributes(attributes=bad)
        assert code(exc) == "InvalidParameter"
    assert sns.check_if_phone_number_is_opted_out(phoneNumber="+15555550100")["isOptedOut"] is False
    with pytest.raises(ClientError) as exc:
        sns.check_if_phone_number_is_opted_out(phoneNumber="call me")
    assert code(exc) == "InvalidParameter"
    assert sns.list_phone_numbers_opted_out()["phoneNumbers"] == []
    sns.opt_in_phone_number(phoneNumber="+15555550100")
    assert sns.publish(PhoneNumber="+15555550100", Message="hi")["MessageId"]
    with pytest.raises(ClientError) as exc:
        sns.publish(PhoneNumber="nope", Message="hi")
    assert code(exc) == "InvalidParameter"

    assert sns.get_sms_sandbox_account_status()["IsInSandbox"] is False
    sns.create_sms_sandbox_phone_number(PhoneNumber="+15555550101", LanguageCode="en-US")
    assert sns.list_sms_sandbox_phone_numbers()["PhoneNumbers"] == [{"PhoneNumber": "+15555550101", "Status": "Pending"}]
    sns.verify_sms_sandbox_phone_number(PhoneNumber="+15555550101", OneTimePassword="123456")
    assert sns.list_sms_sandbox_phone_numbers()["PhoneNumbers"][0]["Status"] == "Verified"
    sns.delete_sms_sandbox_phone_number(PhoneNumber="+15555550101")
    with pytest.raises(ClientError) as exc:
        sns.delete_sms_sandbox_phone_number(PhoneNumber="+15555550101")
    assert code(exc) == "ResourceNotFound"
    assert sns.list_origination_numbers()["PhoneNumbers"] == []
