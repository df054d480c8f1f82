@testable import AWSKit
import Foundation
import Testing

@Suite("Shared credentials and config files")
struct SharedProfileTests {
    @Test func parsesProfilesCommentsAndNestedSettings() throws {
        let text = """
            # a comment
            [default]
            region = eu-west-1
            s3 =
              max_concurrent_requests = 20
            output=json

            ; another comment
            [profile dev]
            region=us-east-2
            [sso-session corp]
            sso_region = us-east-1
            [bare]
            region = ignored-in-config
            """
        let file = try ProfileFile(text: text, path: "/x/config", kind: .config)
        #expect(file.profiles["default"] == ["region": "eu-west-1", "output": "json"])
        #expect(file.profiles["dev"] == ["region": "us-east-2"])
        #expect(file.profiles["corp"] == nil)
        #expect(file.profiles["bare"] == nil)

        let credentials = try ProfileFile(text: "[dev]\r\nAWS_Access_Key_Id = AKID\r\n", path: "/x/credentials",
                                          kind: .credentials)
        #expect(credentials.profiles["dev"] == ["aws_access_key_id": "AKID"])
    }

    @Test func malformedLinesNameFileAndLine() {
        #expect(throws: AWSConfigurationError.malformedFile(path: "/x/config", line: 2,
                                                            reason: "expected 'key = value' or '[section]'")) {
            try ProfileFile(text: "[default]\nnot a setting\n", path: "/x/config", kind: .config)
        }
        #expect(throws: AWSConfigurationError.malformedFile(path: "/x/config", line: 1,
                                                            reason: "a setting appears before any [section]")) {
            try ProfileFile(text: "region = x\n", path: "/x/config", kind: .config)
        }
    }

    @Test func pathsAndProfileComeFromTheGivenEnvironment() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write(".aws/credentials", "[dev]\naws_access_key_id = AKID\n")
        try directory.write("elsewhere/config", "[profile dev]\nregion = ap-south-1\n")
        let profile = try SharedProfile(environment: ["HOME": directory.path, "AWS_PROFILE": "dev",
                                                      "AWS_CONFIG_FILE": directory.path + "/elsewhere/config"])
        #expect(profile.name == "dev")
        #expect(profile.isChosen)
        #expect(profile.credentialsPath == directory.path + "/.aws/credentials")
        #expect(profile.display(profile.credentialsPath) == "~/.aws/credentials")
        #expect(profile.credentialsSettings == ["aws_access_key_id": "AKID"])
        #expect(profile.configSettings == ["region": "ap-south-1"])
    }

    @Test func aChosenProfileThatNoFileHasIsAnError() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let profile = try SharedProfile(environment: ["HOME": directory.path, "AWS_PROFILE": "missing"])
        #expect(throws: AWSConfigurationError.profileNotFound(profile: "missing",
                                                              lookedIn: ["~/.aws/credentials", "~/.aws/config"])) {
            try profile.requireExistsIfChosen()
        }
        let unchosen = try SharedProfile(environment: ["HOME": directory.path])
        #expect(unchosen.name == "default")
        try unchosen.requireExistsIfChosen()
    }

    /// `AWS_CONFIG_FILE=/dev/null` is the usual way to ignore a file; the AWS tools read it as
    /// empty. FileManager.contents(atPath:) answers nil for a device, which read as unreadable.
    @Test func devNullIsAnEmptyFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write(".aws/credentials", "[default]\naws_access_key_id = AKID\n")
        try directory.write(".aws/config", "[default]\nregion = eu-west-1\n")
        let ignored = try SharedProfile(environment: ["HOME": directory.path, "AWS_CONFIG_FILE": "/dev/null",
                                                      "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"])
        #expect(ignored.configPath == "/dev/null")
        #expect(ignored.credentialsPath == "/dev/null")
        #expect(ignored.configSettings == nil)
        #expect(ignored.credentialsSettings == nil)
        #expect(!ignored.exists)
        try ignored.requireExistsIfChosen()

        let configOnly = try SharedProfile(environment: ["HOME": directory.path, "AWS_CONFIG_FILE": "/dev/null"])
        #expect(configOnly.credentialsSettings == ["aws_access_key_id": "AKID"])
        #expect(configOnly.configSettings == nil)

        let chosen = try SharedProfile(environment: ["HOME": directory.path, "AWS_PROFILE": "dev",
                                                     "AWS_CONFIG_FILE": "/dev/null",
                                                     "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"])
        #expect(throws: AWSConfigurationError.profileNotFound(profile: "dev", lookedIn: ["/dev/null", "/dev/null"])) {
            try chosen.requireExistsIfChosen()
        }
    }

    @Test func aDirectoryIsStillUnreadable() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        #expect(throws: AWSConfigurationError.unreadableFile(path: directory.path)) {
            try SharedProfile(environment: ["HOME": directory.path, "AWS_CONFIG_FILE": directory.path])
        }
    }
}
