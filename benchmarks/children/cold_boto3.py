"""Cold start baseline: a fresh interpreter that only imports boto3, makes
the function's two clients (dynamodb, bedrock-agentcore-control, with the
function's client config) and does the same GetItem as `get_gateway`.

Same flags and sys.path as cold_app.py; writes its timings to BENCH_RESULT.
"""

import time

T0 = time.perf_counter()
C0 = time.process_time()  # CPU time: what a busy machine does not stretch

import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402

if os.environ.get("BENCH_PACKAGE"):
    sys.path.insert(0, os.environ["BENCH_PACKAGE"])

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402

T_IMPORT = time.perf_counter()
C_IMPORT = time.process_time()
config = Config(
    retries={"mode": "standard", "max_attempts": 3},
    connect_timeout=5,
    read_timeout=20,
    user_agent_extra="agentcore-tool-registry/0.1",
)
session = boto3.session.Session(region_name=os.environ["AWS_REGION"])
dynamodb = session.client("dynamodb", config=config)
agentcore = session.client("bedrock-agentcore-control", config=config)
item = dynamodb.get_item(
    TableName=os.environ["GATEWAYS_TABLE_NAME"],
    Key={"gateway_id": {"S": os.environ["BENCH_GATEWAY_ID"]}},
    ConsistentRead=True,
).get("Item")
T_DONE = time.perf_counter()
C_DONE = time.process_time()

with open(os.environ["BENCH_RESULT"], "w") as out:
    json.dump(
        {
            "import": T_IMPORT - T0,
            "first_invoke": T_DONE - T_IMPORT,
            "total": T_DONE - T0,
            "import_cpu": C_IMPORT - C0,
            "total_cpu": C_DONE - C0,
            "found": item is not None,
            "modules": len(sys.modules),
            "python": sys.version.split()[0],
            "boto3_file": boto3.__file__,
        },
        out,
    )
