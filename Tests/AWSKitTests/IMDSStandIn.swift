import Foundation

/// A tiny IMDSv2 stand-in: python3's http.server on 127.0.0.1 with a port the
/// kernel picks. It hands out a token for `PUT /latest/api/token` (which must
/// carry the TTL header), answers GETs only with that token (401 otherwise),
/// serves one role, and logs each request as `METHOD PATH token-ok|no-token`.
final class IMDSStandIn {
    static let role = "clusterctl-test-role"
    static let accessKeyId = "ASIAIMDSEXAMPLE00001"
    static let secret = "imds/Secret+Key/EXAMPLEKEY0000000000000"
    static let sessionToken = "IQoJb3JpZ2luX2VjEXAMPLE/imds+token=="

    let endpoint: String
    private let server: FixtureProcess

    init() throws {
        server = try FixtureProcess(loopbackHTTPServer: Self.handler, named: "imds.py", environment: [
            "IMDS_ROLE": Self.role, "IMDS_KEY_ID": Self.accessKeyId, "IMDS_SECRET": Self.secret,
            "IMDS_SESSION_TOKEN": Self.sessionToken,
        ], readyWithin: 10)
        endpoint = server.loopbackEndpoint
    }

    /// The requests the stand-in received, one `METHOD PATH token-ok|no-token` each.
    var requests: [String] { server.requests }

    /// Stops the server (by its pid) and removes its files.
    func stop() { server.stop() }

    /// The server's Python `Handler`, run by ``FixtureProcess/init(loopbackHTTPServer:named:environment:readyWithin:)``.
    private static let handler = #"""
        import json, secrets
        role, key_id = os.environ["IMDS_ROLE"], os.environ["IMDS_KEY_ID"]
        secret, session_token = os.environ["IMDS_SECRET"], os.environ["IMDS_SESSION_TOKEN"]
        token = "tok-" + secrets.token_hex(8)
        creds = json.dumps({"Code": "Success", "Type": "AWS-HMAC", "AccessKeyId": key_id,
                            "SecretAccessKey": secret, "Token": session_token,
                            "Expiration": "2099-01-01T00:00:00Z", "LastUpdated": "2024-01-01T00:00:00Z"})

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass
            def record(self, note):
                with open(log_path, "a") as log:
                    log.write(f"{self.command} {self.path} {note}\n")
            def reply(self, status, body=""):
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            def do_PUT(self):
                self.record("token-request")
                if self.path != "/latest/api/token" or not self.headers.get("X-aws-ec2-metadata-token-ttl-seconds"):
                    return self.reply(400)
                self.reply(200, token)
            def do_GET(self):
                ok = self.headers.get("X-aws-ec2-metadata-token") == token
                self.record("token-ok" if ok else "no-token")
                if not ok:
                    return self.reply(401)
                if self.path == "/latest/meta-data/iam/security-credentials/":
                    return self.reply(200, role + "\n")
                if self.path == "/latest/meta-data/iam/security-credentials/" + role:
                    return self.reply(200, creds)
                self.reply(404)
        """#
}
