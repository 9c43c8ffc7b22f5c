"""The tables, read from terraform/dynamodb.tf: one definition, no copy.

The local runner and the tests create their tables from what Terraform
declares, so the keys and indexes the code queries are the ones deployed.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import hcl2

TERRAFORM_DIR = Path(__file__).resolve().parent.parent / "terraform"


def _literal(value: Any) -> Any:
    # python-hcl2 keeps the quotes of string literals.
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def _key_schema(block: dict[str, Any]) -> list[dict[str, str]]:
    schema = [{"AttributeName": _literal(block["hash_key"]), "KeyType": "HASH"}]
    if "range_key" in block:
        schema.append({"AttributeName": _literal(block["range_key"]), "KeyType": "RANGE"})
    return schema


@lru_cache(maxsize=4)
def _parsed(text: str) -> dict[str, Any]:
    # Keyed by the file's text, so an edited file is parsed again. Parsing
    # the HCL costs ~9 ms of CPU, and every unit test that bootstraps (565 of
    # them) asked for it; the definitions below are built fresh from it
    # each call, so no caller can change what the next one gets.
    parsed: dict[str, Any] = hcl2.loads(text)
    return parsed


def table_definitions(terraform_dir: Path = TERRAFORM_DIR) -> dict[str, dict[str, Any]]:
    """Terraform resource name -> CreateTable arguments (without TableName),
    plus `TimeToLiveAttribute` when the table declares TTL."""
    parsed = _parsed((terraform_dir / "dynamodb.tf").read_text())
    tables: dict[str, dict[str, Any]] = {}
    for resource in parsed.get("resource", []):
        for rtype, named in resource.items():
            if _literal(rtype) != "aws_dynamodb_table":
                continue
            for rname, block in named.items():
                definition: dict[str, Any] = {
                    "KeySchema": _key_schema(block),
                    "AttributeDefinitions": [
                        {"AttributeName": _literal(a["name"]), "AttributeType": _literal(a["type"])}
                        for a in block.get("attribute", [])
                    ],
                    "BillingMode": _literal(block.get("billing_mode", '"PAY_PER_REQUEST"')),
                }
                indexes = [
                    {
                        "IndexName": _literal(gsi["name"]),
                        "KeySchema": _key_schema(gsi),
                        "Projection": {
                            "ProjectionType": _literal(gsi.get("projection_type", '"ALL"'))
                        },
                    }
                    for gsi in block.get("global_secondary_index", [])
                ]
                if indexes:
                    definition["GlobalSecondaryIndexes"] = indexes
                for ttl in block.get("ttl", []):
                    if ttl.get("enabled") is True:
                        definition["TimeToLiveAttribute"] = _literal(ttl["attribute_name"])
                tables[_literal(rname)] = definition
    return tables


def create_tables(client: Any, names: dict[str, str], terraform_dir: Path = TERRAFORM_DIR) -> None:
    """Create each table (`names`: Terraform resource name -> table name)."""
    definitions = table_definitions(terraform_dir)
    for resource_name, table_name in names.items():
        definition = dict(definitions[resource_name])
        ttl = definition.pop("TimeToLiveAttribute", None)
        client.create_table(TableName=table_name, **definition)
        client.get_waiter("table_exists").wait(TableName=table_name, WaiterConfig={"Delay": 1})
        if ttl:
            client.update_time_to_live(
                TableName=table_name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl},
            )
