import Foundation
import Testing
@testable import SSHKit

@Suite("SFTP upload")
struct UploadTests {
    @Test("upload writes the bytes with the mode, replaces an existing file and leaves no temp file")
    func uploadWithMode() throws {
        try withSSHHosts { hosts throws in
            let session = try hosts.connect()
            defer { session.close() }
            let directory = hosts.directory + "/remote dir"
            #expect(try session.execute("mkdir -p '\(directory)'", timeout: 10).exitStatus == 0)
            let path = directory + "/run.sh"

            try session.upload(Data("#!/bin/sh\necho first\n".utf8), to: path, mode: 0o755)
            #expect(try session.execute("'\(path)'", timeout: 10).stdoutText == "first\n")
            #expect(try session.execute("stat -c %a '\(path)'", timeout: 10).stdoutText == "755\n")

            let secret = Data((0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
            try session.upload(secret, to: path, mode: 0o600)
            #expect(FileManager.default.contents(atPath: path) == secret)
            #expect(try session.execute("stat -c %a '\(path)'", timeout: 10).stdoutText == "600\n")
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["run.sh"])

            try session.upload(Data(), to: path, mode: 0o644)
            #expect(FileManager.default.contents(atPath: path) == Data())
        }
    }

    @Test("upload into a missing directory fails at the sftp step saying so, unless asked to create it")
    func missingDirectory() throws {
        try withSSHHosts { hosts throws in
            let session = try hosts.connect()
            defer { session.close() }
            let error = thrownError {
                try session.upload(Data("x".utf8), to: hosts.directory + "/absent/file", mode: 0o644)
            }
            #expect((error as? SSHError)?.step == .sftp)
            #expect(String(describing: error).contains("does not exist"))
            #expect(try session.execute("echo usable", timeout: 10).exitStatus == 0)

            let nested = hosts.directory + "/made/on demand/file"
            try session.upload(Data("y".utf8), to: nested, mode: 0o600, createDirectories: true)
            #expect(FileManager.default.contents(atPath: nested) == Data("y".utf8))
        }
    }
}
