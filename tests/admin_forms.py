"""What the admin's change form of a row posts, for tests that post it back."""

import json


def admin_form_data(obj, *, changes: dict | None = None, marker: str | None = None) -> dict:
    """The row's editable fields as the admin form posts them; with `marker`, its first plain
    text field set to it; then `changes` applied."""
    data, marked = {}, marker is None
    for field in obj._meta.concrete_fields:
        if not field.editable or field.primary_key:
            continue
        value = field.value_from_object(obj)
        if isinstance(value, bool):
            if value:
                data[field.name] = "on"
            continue
        if isinstance(value, (dict, list)):
            value = json.dumps(value)
        if not marked and field.get_internal_type() == "CharField" and not field.choices and not field.unique:
            value, marked = marker, True
        data[field.name] = "" if value is None else str(value)
    data.update({k: str(v) for k, v in (changes or {}).items()})
    return data
