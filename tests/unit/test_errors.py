from scene_select.cloud import errors


def test_retryable_is_a_property_of_the_class() -> None:
    assert errors.IceThrottledError(code="Throttling.User", message="m", request_id="r", http_status=400).retryable
    assert not errors.IceClientError(code="InvalidParameter", message="m", request_id=None, http_status=400).retryable
    assert errors.StorageError("x").retryable
    assert not errors.BatchError("x").retryable
    assert not errors.SubmitOutcomeUnknownError("x").retryable


def test_exported_members_are_pinned() -> None:
    public = {n for n in dir(errors) if n.endswith("Error") and not n.startswith("_")}
    assert public == set(errors.__all__)
