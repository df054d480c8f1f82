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
    let logPath: String
    private let process: Process
    private let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory()
        let script = try directory.write("imds.py", Self.script)
        let portFile = directory.path + "/port"
        logPath = directory.path + "/requests.log"
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, portFile, logPath]
        process.environment = ProcessInfo.processInfo.environment.merging([
            "IMDS_ROLE": Self.role, "IMDS_KEY_ID": Self.accessKeyId, "IMDS_SECRET": Self.secret,
            "IMDS_SESSION_TOKEN": Self.sessionToken,
        ]) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()

        let deadline = Date().addingTimeInterval(10)
        var port: String?
        while port == nil, Date() < deadline, process.isRunning {
            port = (try? String(contentsOfFile: portFile, encoding: .utf8))
                .flatMap { $0.hasSuffix("\n") ? $0.trimmingCharacters(in: .whitespacesAndNewlines) : nil }
            if port == nil { usleep(20_000) }
        }
        guard let port else {
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
            directory.remove()
            throw StandInError.didNotStart
        }
        endpoint = "http://127.0.0.1:\(port)"
    }

    /// The requests the stand-in received, one `METHOD PATH token-ok|no-token` each.
    var requests: [String] {
        ((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    /// Stops the server (by its pid) and removes its files.
    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        directory.remove()
    }

    enum StandInError: Error { case didNotStart }

    private static let script = #"""
        import http.server, json, os, secrets, signal, sys
        # The test process may block signals in the spawning thread; let SIGTERM stop us.
        signal.pthread_sigmask(signal.SIG_UNBLOCK, signal.valid_signals())
        port_file, log_path = sys.argv[1:3]
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

        server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        with open(port_file + ".tmp", "w") as f:
            f.write(f"{server.server_address[1]}\n")
        os.rename(port_file + ".tmp", port_file)
        server.serve_forever()
        """#
}
