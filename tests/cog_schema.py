"""The OpenAPI document `cog build` would write to `.cog/openapi_schema.json`.

The Cog server validates inputs only when that file exists and serves it as `/openapi.json`,
and no Cog CLI is available here, so the tests derive it from the predictor's signature through
the Cog SDK's own introspection, with the same fixed routes and envelope `cog build` adds.
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
        nullable = field.type.repetition.name in ("OPTIONAL", "OPTIONAL_REPEATED")
        if nullable:
            prop["nullable"] = True
        if field.default is not None:
            prop["default"] = field.type.json_encode(field.default)
        elif nullable:
            prop["default"] = None
        elif field.type.repetition.name in ("REQUIRED", "REPEATED"):
            required.append(field.name)
        properties[field.name] = prop
    schemas = {
        "Input": {"title": "Input", "type": "object", "properties": properties, "required": required},
        "Output": info.output.json_type(),
        **enums,
        **_ENVELOPE_SCHEMAS,
    }
    return {
        "openapi": "3.0.2",
        "info": {"title": "Cog", "version": "0.1.0"},
        "paths": _PATHS,
        "components": {"schemas": schemas},
    }


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json_reply(schema: dict[str, Any], description: str = "Successful Response") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _text(title: str, **extra: str) -> dict[str, str]:
    return {"title": title, "type": "string", **extra}


# The envelope around Input and Output is the same for every Cog model: the request and
# response objects, the status values, validation errors, and the server's fixed routes.
_ENVELOPE_SCHEMAS: dict[str, Any] = {
    "PredictionRequest": {
        "title": "PredictionRequest",
        "type": "object",
        "properties": {"id": _text("Id"), "input": _ref("Input")},
    },
    "PredictionResponse": {
        "title": "PredictionResponse",
        "type": "object",
        "properties": {
            "input": _ref("Input"),
            "output": _ref("Output"),
            "id": _text("Id"),
            "version": _text("Version"),
            "created_at": _text("Created At", format="date-time"),
            "started_at": _text("Started At", format="date-time"),
            "completed_at": _text("Completed At", format="date-time"),
            "status": _text("Status"),
            "error": _text("Error"),
            "logs": _text("Logs"),
            "metrics": {"title": "Metrics", "type": "object"},
        },
    },
    "Status": {
        "title": "Status",
        "description": "An enumeration.",
        "enum": ["starting", "processing", "succeeded", "canceled", "failed"],
        "type": "string",
    },
    "HTTPValidationError": {
        "title": "HTTPValidationError",
        "type": "object",
        "properties": {"detail": {"title": "Detail", "type": "array", "items": _ref("ValidationError")}},
    },
    "ValidationError": {
        "title": "ValidationError",
        "required": ["loc", "msg", "type"],
        "type": "object",
        "properties": {
            "loc": {
                "title": "Location",
                "type": "array",
                "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
            },
            "msg": _text("Message"),
            "type": _text("Error Type"),
        },
    },
}

_VALIDATION_FAILED = _json_reply(_ref("HTTPValidationError"), "Validation Error")
_PATHS: dict[str, Any] = {
    "/": {"get": {"summary": "Root", "operationId": "root__get", "responses": {"200": _json_reply({})}}},
    "/health-check": {
        "get": {
            "summary": "Healthcheck",
            "operationId": "healthcheck_health_check_get",
            "responses": {"200": _json_reply({})},
        }
    },
    "/predictions": {
        "post": {
            "summary": "Predict",
            "description": "Run a single prediction on the model",
            "operationId": "predict_predictions_post",
            "requestBody": {"content": {"application/json": {"schema": _ref("PredictionRequest")}}},
            "responses": {"200": _json_reply(_ref("PredictionResponse")), "422": _VALIDATION_FAILED},
        }
    },
    "/predictions/{prediction_id}/cancel": {
        "post": {
            "summary": "Cancel",
            "operationId": "cancel_predictions__prediction_id__cancel_post",
            "parameters": [{"required": True, "schema": _text("Prediction Id"), "name": "prediction_id", "in": "path"}],
            "responses": {"200": _json_reply({}), "422": _VALIDATION_FAILED},
        }
    },
}
