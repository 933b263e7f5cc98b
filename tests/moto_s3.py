"""A real S3-compatible server on loopback for tests: moto's ThreadedMotoServer on a random free port, with an IAM
user whose keys the tests store, one bucket and one object.

Moto checks header signatures (once auth is enforced: unknown key -> InvalidAccessKeyId, wrong secret ->
SignatureDoesNotMatch) but does not check a presigned URL's expiry, so the server is wrapped in a gate that
refuses expired presigned requests the way AWS does (403 AccessDenied "Request has expired"); its clock can be
moved forward to expire a link without waiting. Presigned GETs are served with auth enforcement off, because
moto's IAM check only understands the Authorization header."""

from __future__ import annotations

import json
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import boto3
import httpx
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

BUCKET = "data-bucket"
OBJECT_KEY = "runs/1/model weights.bin"
OBJECT_BYTES = b"\x00weights\xffprofile-test-object"
EXPIRED = (
    b"<?xml version='1.0' encoding='UTF-8'?>"
    b"<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>"
)


class PresignedExpiryGate:
    """WSGI middleware: a presigned request past X-Amz-Date + X-Amz-Expires (by `clock`) gets 403."""

    def __init__(self, app):
        self.app = app
        self.clock_offset = timedelta(0)
        self.expired_refusals = 0

    def __call__(self, environ, start_response):
        query = parse_qs(environ.get("QUERY_STRING", ""))
        if "X-Amz-Expires" in query and "X-Amz-Date" in query:
            signed_at = datetime.strptime(query["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
            deadline = signed_at + timedelta(seconds=int(query["X-Amz-Expires"][0]))
            if datetime.now(UTC) + self.clock_offset > deadline:
                self.expired_refusals += 1
                start_response("403 Forbidden", [("Content-Type", "application/xml")])
                return [EXPIRED]
        return self.app(environ, start_response)


class GatedMotoServer(ThreadedMotoServer):
    def _server_entry(self) -> None:
        self.gate = PresignedExpiryGate(DomainDispatcherApplication(create_backend_app))
        self._server = make_server(self._ip_address, self._port, self.gate, True, request_handler=MotoRequestHandler)
        self._server_ready_event.set()
        self._server.serve_forever()


@dataclass
class S3TestServer:
    server: GatedMotoServer
    endpoint: str
    access_key: str
    secret_key: str

    @property
    def gate(self) -> PresignedExpiryGate:
        return self.server.gate

    def set_auth(self, enforced: bool) -> None:
        httpx.post(f"{self.endpoint}/moto-api/reset-auth", content=b"0" if enforced else b"inf").raise_for_status()

    @contextmanager
    def auth_off(self):
        self.set_auth(False)
        try:
            yield
        finally:
            self.set_auth(True)


def start_s3_server() -> S3TestServer:
    server = GatedMotoServer("127.0.0.1", 0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    # Moto's backends live in the process, shared by every server started in it: start from empty.
    httpx.post(f"{endpoint}/moto-api/reset").raise_for_status()
    admin = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="admin", aws_secret_access_key="x")
    iam = boto3.client("iam", **admin)
    iam.create_user(UserName="profile-test")
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    iam.put_user_policy(UserName="profile-test", PolicyName="all", PolicyDocument=json.dumps(policy))
    keys = iam.create_access_key(UserName="profile-test")["AccessKey"]
    s3 = boto3.client("s3", **admin)
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key=OBJECT_KEY, Body=OBJECT_BYTES)
    test_server = S3TestServer(server, endpoint, keys["AccessKeyId"], keys["SecretAccessKey"])
    test_server.set_auth(True)
    return test_server


def stop_s3_server(test_server: S3TestServer) -> None:
    test_server.set_auth(False)
    test_server.server.stop()
