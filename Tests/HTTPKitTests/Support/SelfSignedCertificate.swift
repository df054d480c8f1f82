import Foundation

/// A throwaway self-signed certificate for 127.0.0.1, made with the openssl command.
struct SelfSignedCertificate {
    let certificatePath: String
    let keyPath: String
    private let directory: URL

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    init() throws {
        directory = try makeTemporaryDirectory(prefix: "httpkit-tls")
        certificatePath = directory.appendingPathComponent("cert.pem").path
        keyPath = directory.appendingPathComponent("key.pem").path
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        openssl.arguments = ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                             "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                             "-addext", "subjectAltName=IP:127.0.0.1",
                             "-keyout", keyPath, "-out", certificatePath]
        openssl.standardOutput = FileHandle.nullDevice
        openssl.standardError = FileHandle.nullDevice
        try openssl.run()
        openssl.waitUntilExit()
        guard openssl.terminationStatus == 0 else {
            throw Failure(description: "openssl req failed with status \(openssl.terminationStatus)")
        }
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }
}
