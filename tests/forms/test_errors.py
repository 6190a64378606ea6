import json

from forms.errors import MESSAGES, DefinitionError, EngineError, ErrorCode


def test_every_code_has_a_message():
    assert set(MESSAGES) == set(ErrorCode)


def test_messages_are_interpolated_lazily():
    error = EngineError.of(ErrorCode.MIN_GT_MAX, "sasaran", path="fields[0].min")
    assert str(error.message) == "Field sasaran: minimum is greater than maximum."
    assert error.to_dict() == {
        "code": "MIN_GT_MAX",
        "field": "sasaran",
        "message": "Field sasaran: minimum is greater than maximum.",
        "position": None,
        "path": "fields[0].min",
    }
    json.dumps(error.to_dict())


def test_errors_are_frozen_values():
    first = EngineError.of(ErrorCode.REQUIRED, "a")
    assert first == EngineError.of(ErrorCode.REQUIRED, "a")
    assert hash(first) == hash(EngineError.of(ErrorCode.REQUIRED, "a"))


def test_definition_error_lists_all_messages():
    error = DefinitionError(
        [EngineError.of(ErrorCode.NO_FIELDS), EngineError.of(ErrorCode.MISSING_TITLE)]
    )
    assert str(error) == "The form has no fields.; The form needs an Indonesian title."
    assert len(error.errors) == 2
