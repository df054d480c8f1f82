#!/usr/bin/env python3
"""Checks an S3 presigned URL's signature with botocore's own S3 SigV4 query signer.

Usage: verify_presigned.py METHOD URL   (the secret access key on stdin)

moto accepts presigned URLs without checking their signature, so the tests re-derive the
signature here, independently of clusterctl's signer, from the URL's own X-Amz-* fields.
Prints "valid" (exit 0) or "invalid: ..." (exit 1).
"""
import sys
from urllib.parse import parse_qsl, urlsplit

from botocore.auth import S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

method, url = sys.argv[1], sys.argv[2]
secret = sys.stdin.read().strip()
parts = urlsplit(url)
fields = dict(parse_qsl(parts.query, keep_blank_values=True))
given = fields["X-Amz-Signature"]
unsigned_query = "&".join(p for p in parts.query.split("&") if not p.startswith("X-Amz-Signature="))
key_id, day, region, service, _ = fields["X-Amz-Credential"].split("/")

auth = S3SigV4QueryAuth(Credentials(key_id, secret), service, region, expires=int(fields["X-Amz-Expires"]))
request = AWSRequest(method=method, url=f"{parts.scheme}://{parts.netloc}{parts.path}?{unsigned_query}",
                     headers={"host": parts.netloc})
request.context["timestamp"] = fields["X-Amz-Date"]
expected = auth.signature(auth.string_to_sign(request, auth.canonical_request(request)), request)
if expected == given:
    print("valid")
else:
    print(f"invalid: botocore computes {expected}, the URL carries {given}")
    sys.exit(1)
