"""The API's JSON Schemas, defined once: published in the OpenAPI document and used to
validate request bodies (dashboard.api.validation)."""

from __future__ import annotations

from typing import Any

from data.enums import ElectionKind, ElectionStatus, Level, ResultStatus, Role, UnitKind, WindowKind

MAX_COUNT = 1_000_000_000  # no count on a form comes near 10^9
MAX_BATCH = 1000
CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$"
RULE_CODE = {"type": "string", "pattern": r"^[A-Z][A-Z0-9_]{1,15}$"}

Schema = dict[str, Any]


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _count(description: str) -> Schema:
    return {"type": "integer", "minimum": 0, "maximum": MAX_COUNT, "description": description}


def _nullable_count(description: str) -> Schema:
    return {
        "type": ["integer", "null"],
        "minimum": 0,
        "maximum": MAX_COUNT,
        "description": description,
    }


def _values(enum: type) -> list[str]:
    return [str(m.value) for m in enum]  # type: ignore[attr-defined]


def _obj(properties: dict[str, Schema], required: list[str] | None = None, **extra: Any) -> Schema:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
        **extra,
    }


DATETIME = {"type": "string", "format": "date-time"}
CONFIRM = {
    "type": "array",
    "items": RULE_CODE,
    "maxItems": 20,
    "description": "Warning codes (severity `warning`) the operator has checked and confirms.",
}
REASON = {
    "type": ["string", "null"],
    "maxLength": 2000,
    "description": "Why the confirmed warnings are right; required with `confirm`.",
}
AREA_CODE = {"type": "string", "pattern": CODE_PATTERN, "description": "Polling area code."}
WINDOW_KEY = {"type": "string", "pattern": CODE_PATTERN, "description": "Reporting window key."}

TURNOUT_FIGURES = {
    "voted_total": _count("Cumulative voters who voted by this window."),
    "voted_male": _nullable_count("Of whom men (optional; with voted_female)."),
    "voted_female": _nullable_count("Of whom women (optional; with voted_male)."),
}

COMPONENTS: dict[str, Schema] = {
    "ErrorItem": _obj(
        {
            "code": {"type": "string", "description": "Rule code (T01, K03…) or E_…"},
            "severity": {"type": "string", "enum": ["error", "warning"]},
            "field": {
                "type": "string",
                "description": "The field(s) it points at, comma separated",
            },
            "message": {
                "type": "string",
                "description": "Vietnamese, or English (Accept-Language: en)",
            },
        }
    ),
    "Errors": _obj({"errors": {"type": "array", "items": ref("ErrorItem")}}),
    "TokenRequest": _obj(
        {
            "username": {"type": "string", "minLength": 1, "maxLength": 64},
            "password": {"type": "string", "minLength": 1, "maxLength": 1024},
        },
        additionalProperties=False,
    ),
    "Token": _obj(
        {
            "access_token": {"type": "string"},
            "token_type": {"type": "string", "enum": ["bearer"]},
            "expires_in": {"type": "integer", "description": "Seconds"},
        }
    ),
    "Unit": _obj(
        {
            "code": {"type": "string"},
            "name": {"type": "string"},
            "kind": {"type": ["string", "null"], "enum": [*_values(UnitKind), None]},
        }
    ),
    "Me": _obj(
        {
            "username": {"type": "string"},
            "role": {"type": "string", "enum": _values(Role)},
            "scope": ref("Unit"),
        }
    ),
    "Election": _obj(
        {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "date": {"type": "string", "format": "date"},
            "kind": {"type": "string", "enum": _values(ElectionKind)},
            "status": {"type": "string", "enum": _values(ElectionStatus)},
            "data_version": {"type": "integer"},
            "current": {"type": "boolean", "description": "What `{eid}` = `current` names"},
        }
    ),
    "Window": _obj(
        {
            "key": {"type": "string"},
            "kind": {"type": "string", "enum": _values(WindowKind)},
            "due_at": DATETIME,
            "opens_at": DATETIME,
            "closes_at": DATETIME,
        }
    ),
    "PollingArea": _obj(
        {
            "code": {"type": "string"},
            "name": {"type": "string"},
            "unit_code": {"type": "string"},
            "registered": _obj(
                {
                    "total": {"type": "integer"},
                    "male": {"type": "integer"},
                    "female": {"type": "integer"},
                }
            ),
        }
    ),
    "Ballot": _obj(
        {
            "constituency": _obj(
                {
                    "code": {"type": "string"},
                    "name": {"type": "string"},
                    "seats": {"type": "integer"},
                    "level": {"type": "string", "enum": _values(Level)},
                }
            ),
            "candidates": {
                "type": "array",
                "items": _obj(
                    {
                        "id": {"type": "integer"},
                        "full_name": {"type": "string"},
                        "date_of_birth": {"type": "string", "format": "date"},
                        "ballot_order": {"type": "integer"},
                    }
                ),
            },
        }
    ),
    "TurnoutInput": _obj(
        {**TURNOUT_FIGURES, "confirm": CONFIRM, "reason": REASON},
        required=["voted_total"],
        additionalProperties=False,
    ),
    "TurnoutReport": _obj(
        {
            "polling_area": {"type": "string"},
            "window": {"type": "string"},
            "voted_total": {"type": "integer"},
            "voted_male": {"type": ["integer", "null"]},
            "voted_female": {"type": ["integer", "null"]},
            "version": {"type": "integer"},
            "status": {
                "type": "string",
                "enum": ["created", "updated", "unchanged", "stored"],
                "description": "What this request did (`stored` on GET)",
            },
            "confirmed_warnings": {"type": "array", "items": {"type": "string"}},
            "warnings": {"type": "array", "items": ref("ErrorItem")},
            "reason": {"type": ["string", "null"]},
            "on_behalf": {"type": "boolean"},
            "updated_at": DATETIME,
            "data_version": {"type": ["integer", "null"]},
        }
    ),
    "TurnoutBatchItem": _obj(
        {
            "polling_area": AREA_CODE,
            "window": WINDOW_KEY,
            **TURNOUT_FIGURES,
            "confirm": CONFIRM,
            "reason": REASON,
        },
        required=["polling_area", "window", "voted_total"],
        additionalProperties=False,
    ),
    "TurnoutBatch": {
        "type": "array",
        "minItems": 1,
        "maxItems": MAX_BATCH,
        "items": ref("TurnoutBatchItem"),
    },
    "TurnoutBatchResult": _obj(
        {
            "results": {
                "type": "array",
                "items": _obj(
                    {
                        "index": {"type": "integer"},
                        "polling_area": {"type": ["string", "null"]},
                        "window": {"type": ["string", "null"]},
                        "status": {
                            "type": "integer",
                            "description": "201 created, 200 updated/unchanged, else the"
                            " status a single PUT would have had (403, 404, 409, 412, 422…)",
                        },
                        "outcome": {
                            "type": "string",
                            "enum": ["created", "updated", "unchanged", "refused"],
                        },
                        "version": {"type": ["integer", "null"]},
                        "errors": {"type": "array", "items": ref("ErrorItem")},
                    }
                ),
            },
            "counts": _obj(
                {
                    "created": {"type": "integer"},
                    "updated": {"type": "integer"},
                    "unchanged": {"type": "integer"},
                    "refused": {"type": "integer"},
                }
            ),
        }
    ),
    "TallyInput": _obj(
        {
            "voters_total": _count("Voters on the list (tổng số cử tri trong danh sách)."),
            "voters_voted": _count("Voters who voted (số cử tri đã tham gia bỏ phiếu)."),
            "ballots_issued": _count("Ballots issued (số phiếu phát ra)."),
            "ballots_received": _count("Ballots received (số phiếu thu vào)."),
            "ballots_valid": _count("Valid ballots (số phiếu hợp lệ)."),
            "ballots_invalid": _count("Invalid ballots (số phiếu không hợp lệ)."),
            "votes": {
                "type": "object",
                "description": "Votes per candidate id (every candidate of the ballot).",
                "propertyNames": {"type": "string", "pattern": r"^[1-9][0-9]{0,9}$"},
                "additionalProperties": _count("Votes for this candidate."),
                "maxProperties": 200,
            },
            "ballot_types": {
                "type": ["object", "null"],
                "description": "Optional: valid ballots that kept k names, {k: ballots} (K13).",
                "propertyNames": {"type": "string", "pattern": r"^[1-9][0-9]{0,2}$"},
                "additionalProperties": _count("Ballots that kept this many names."),
                "maxProperties": 200,
            },
            "confirm": CONFIRM,
            "reason": REASON,
        },
        required=[
            "voters_total",
            "voters_voted",
            "ballots_issued",
            "ballots_received",
            "ballots_valid",
            "ballots_invalid",
            "votes",
        ],
        additionalProperties=False,
    ),
    "TallySaved": _obj(
        {
            "polling_area": {"type": "string"},
            "level": {"type": "string", "enum": _values(Level)},
            "constituency": {"type": "string"},
            "version": {"type": "integer"},
            "status": {"type": "string", "enum": ["created", "updated", "unchanged", "stored"]},
            "warnings": {"type": "array", "items": ref("ErrorItem")},
            "confirmed_warnings": {"type": "array", "items": {"type": "string"}},
            "data_version": {"type": ["integer", "null"]},
        }
    ),
    "TallySheet": _obj(
        {
            "polling_area": {"type": "string"},
            "level": {"type": "string", "enum": _values(Level)},
            "constituency": {"type": "string"},
            "voters_total": {"type": "integer"},
            "voters_voted": {"type": "integer"},
            "ballots_issued": {"type": "integer"},
            "ballots_received": {"type": "integer"},
            "ballots_valid": {"type": "integer"},
            "ballots_invalid": {"type": "integer"},
            "votes": {"type": "object", "additionalProperties": {"type": "integer"}},
            "version": {"type": "integer"},
            "confirmed_warnings": {"type": "array", "items": {"type": "string"}},
            "reason": {"type": ["string", "null"]},
            "on_behalf": {"type": "boolean"},
            "updated_at": DATETIME,
        }
    ),
    "Progress": _obj(
        {
            "unit": {"type": "string", "description": "The unit's code"},
            "unit_name": {"type": "string"},
            "unit_kind": {"type": "string", "enum": _values(UnitKind)},
            "data_version": {"type": "integer"},
            "as_of": DATETIME,
            "windows": {
                "type": "array",
                "items": _obj(
                    {
                        "key": {"type": "string"},
                        "kind": {"type": "string", "enum": _values(WindowKind)},
                        "reported_areas": {"type": "integer"},
                        "expected_areas": {"type": "integer"},
                        "voted": {"type": "integer"},
                        "registered": {"type": "integer"},
                        "turnout_pct": {"type": "number", "description": "2 decimals, half-up"},
                    }
                ),
            },
            "counting": {
                "type": "object",
                "description": "Per level held in the unit: tally sheets in / expected",
                "additionalProperties": _obj(
                    {
                        "sheets_in": {"type": "integer"},
                        "sheets_expected": {"type": "integer"},
                    }
                ),
            },
        }
    ),
    "Result": _obj(
        {
            "code": {"type": "string"},
            "name": {"type": "string"},
            "level": {"type": "string", "enum": _values(Level)},
            "seats": {"type": "integer"},
            "status": {"type": "string", "enum": _values(ResultStatus)},
            "sheets_in": {"type": "integer"},
            "sheets_expected": {"type": "integer"},
            "voters_total": {"type": "integer"},
            "voters_voted": {"type": "integer"},
            "ballots_valid": {"type": "integer"},
            "ballots_invalid": {"type": "integer"},
            "valid_election": {"type": "boolean"},
            "revote_needed": {"type": "boolean"},
            "additional_election_needed": {"type": "boolean"},
            "candidates": {
                "type": "array",
                "items": _obj(
                    {
                        "id": {"type": "integer"},
                        "full_name": {"type": "string"},
                        "votes": {"type": "integer"},
                        "percent": {"type": "number", "description": "Of valid ballots"},
                        "elected": {"type": "boolean"},
                    }
                ),
            },
            "data_version": {"type": "integer"},
        }
    ),
}
