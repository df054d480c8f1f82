#!/usr/bin/env python3
"""moto (moto[server]) on 127.0.0.1 with SigV4 signature checking on, for clusterctl's AWS tests.

Usage: moto_server.py STATE_FILE

INITIAL_NO_AUTH_ACTION_COUNT must be 3 in the environment: moto answers the first three
actions without checking signatures, and this script spends exactly those on creating an
IAM user, an access key for it and an allow-all inline policy (boto3, dummy keys). From
then on moto checks every request's signature against that key and the policy.

When the server is ready, STATE_FILE is written atomically as JSON: endpoint,
access_key_id, secret_access_key, user_arn. The server runs until SIGTERM, or until the
process that started it goes away.
"""
import json
import os
import signal
import sys
import threading
import time
from datetime import datetime

# A test process may start us with signals blocked; let SIGTERM stop us.
signal.pthread_sigmask(signal.SIG_UNBLOCK, signal.valid_signals())
signal.signal(signal.SIGTERM, signal.SIG_DFL)

FREE_ACTIONS = 3
if os.environ.get("INITIAL_NO_AUTH_ACTION_COUNT") != str(FREE_ACTIONS):
    sys.exit(f"set INITIAL_NO_AUTH_ACTION_COUNT={FREE_ACTIONS}: the bootstrap spends exactly that many calls")

import boto3  # noqa: E402  (moto reads its settings from the environment at import)
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402
import moto.ec2.models.amis as moto_amis  # noqa: E402

# moto 5.2 turns the creation dates of MOTO_AMIS_PATH images into datetimes in place when
# the first region loads them, then fails to parse them again for the next region (HTTP 500).
# Let already-parsed dates through.
_parse_timestamp = moto_amis.parse_timestamp
moto_amis.parse_timestamp = lambda value: value if isinstance(value, datetime) else _parse_timestamp(value)

state_file = sys.argv[1]
parent = os.getppid()

server = make_server("127.0.0.1", 0, DomainDispatcherApplication(create_backend_app), threaded=True)
endpoint = f"http://127.0.0.1:{server.server_port}"
threading.Thread(target=server.serve_forever, daemon=True).start()

iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1",
                   aws_access_key_id="bootstrap", aws_secret_access_key="bootstrap")
user = iam.create_user(UserName="clusterctl-test")["User"]
key = iam.create_access_key(UserName="clusterctl-test")["AccessKey"]
iam.put_user_policy(UserName="clusterctl-test", PolicyName="allow-all", PolicyDocument=json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))

with open(state_file + ".tmp", "w") as f:
    json.dump({"endpoint": endpoint, "access_key_id": key["AccessKeyId"],
               "secret_access_key": key["SecretAccessKey"], "user_arn": user["Arn"]}, f)
os.rename(state_file + ".tmp", state_file)

# Never outlive the test process, even if it dies before stopping us.
while os.getppid() == parent:
    time.sleep(0.5)
os._exit(0)
