from eventyard.core.errors import ServiceError, ValidationError, Violation, format_violations
from eventyard.core.identity import DEFAULT_ACCOUNT, account_for_access_key


def test_coral_wording_single_and_many():
    one = [Violation("name", None, "Member must not be null", "required")]
    assert format_violations(one) == (
        "1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null"
    )
    two = one + [Violation("limit", 0, "Member must have value greater than or equal to 1", "range")]
    assert format_violations(two).startswith("2 validation errors detected: Value null at 'name'")
    assert "; Value '0' at 'limit' failed to satisfy constraint" in format_violations(two)


def test_validation_error_is_a_service_error():
    err = ValidationError([Violation("x", "v", "Member must satisfy enum value set: [A]", "enum")])
    assert isinstance(err, ServiceError)
    assert err.code == "ValidationException" and "at 'x'" in err.message


def test_account_from_access_key():
    assert account_for_access_key("123456789012") == "123456789012"
    assert account_for_access_key("AKIAEXAMPLE") == DEFAULT_ACCOUNT
    assert account_for_access_key(None) == DEFAULT_ACCOUNT
    assert account_for_access_key("12345678901") == DEFAULT_ACCOUNT
