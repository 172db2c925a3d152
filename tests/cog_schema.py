"""The OpenAPI document `cog build` would write to `.cog/openapi_schema.json`.

The Cog server validates inputs only when that file exists, and no Cog CLI is available here,
so the tests derive it from the predictor's signature through the Cog SDK's own introspection.
"""

from __future__ import annotations

from typing import Any

from cog._inspector import create_predictor


def _title(name: str) -> str:
    return name.replace("_", " ").title()


def build_openapi_schema(module: str = "predict", predictor: str = "Predictor") -> dict[str, Any]:
    info = create_predictor(module, predictor)
    properties: dict[str, Any] = {}
    enums: dict[str, Any] = {}
    required = []
    for field in sorted(info.inputs.values(), key=lambda f: f.order):
        prop: dict[str, Any] = {"title": _title(field.name), "x-order": field.order}
        if field.choices is not None:
            enums[field.name] = {
                "title": field.name,
                "description": "An enumeration.",
                "enum": list(field.choices),
                **field.type.primitive.json_type(),
            }
            prop["allOf"] = [{"$ref": f"#/components/schemas/{field.name}"}]
        else:
            prop.update(field.type.json_type())
        if field.description:
            prop["description"] = field.description
        if field.ge is not None:
            prop["minimum"] = field.ge
        if field.le is not None:
            prop["maximum"] = field.le
        if field.default is None:
            if field.type.repetition.name == "REQUIRED":
                required.append(field.name)
        else:
            prop["default"] = field.type.json_encode(field.default)
        properties[field.name] = prop
    schemas = {
        "Input": {"title": "Input", "type": "object", "properties": properties, "required": required},
        "Output": info.output.json_type(),
        **enums,
    }
    return {
        "openapi": "3.0.2",
        "info": {"title": "Cog", "version": "0.1.0"},
        "paths": {},
        "components": {"schemas": schemas},
    }
