"""Helpers for driving the admin's change forms in tests."""

import json

from django import forms


def unchanged_change_form(response) -> dict:
    """The POST body the change form would send back unchanged."""
    data = {}
    form = response.context["adminform"].form
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None:
            continue
        if isinstance(field, forms.JSONField):
            data[name] = json.dumps(value)
        elif isinstance(value, list):
            data[name] = [getattr(v, "pk", v) for v in value]
        else:
            data[name] = value
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for key, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{key}"] = value
        for index, subform in enumerate(formset.forms):
            for name in subform.fields:
                value = subform[name].value()
                if value is not None:
                    data[f"{formset.prefix}-{index}-{name}"] = getattr(value, "pk", value)
    return data
