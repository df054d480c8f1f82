import Foundation
import Testing
@testable import AWSKit

/// `GetConsoleOutput` against moto (which answers every instance with one fixed sample
/// boot log) and the decoding of its `<output>`.
@Suite("EC2 console output")
struct EC2ConsoleOutputTests {
    @Test func motoAnswersWithTheDecodedBootLog() throws {
        let moto = try MotoServer()
        defer { moto.stop() }
        let ec2 = EC2Client(configuration: moto.configuration())
        let id = try #require(try ec2.runInstances(RunInstancesRequest(
            imageId: "ami-0a0000000000noble3", instanceType: "t3.micro")).first?.id)
        let output = try #require(try ec2.consoleOutput(instanceId: id))
        #expect(output.hasPrefix("Linux version 2.6.16-xenU"))
        #expect(output.contains("\nKernel command line: root=/dev/sda1 ro 4\n"))

        let error = try #require(throws: AWSError.self) { try ec2.consoleOutput(instanceId: "i-0123456789abcdef0") }
        #expect(error.code == "InvalidInstanceID.NotFound")
        #expect(error.operation == "GetConsoleOutput")
    }

    @Test func noOutputYetIsNil() {
        let id = XMLTree(name: "instanceId", text: "i-1")
        #expect(EC2Client.consoleText(fromReply: XMLTree(name: "GetConsoleOutputResponse", children: [id])) == nil)
        #expect(EC2Client.consoleText(fromReply: reply("")) == nil)
        #expect(EC2Client.consoleText(fromReply: reply("not base64 at all!")) == nil)
    }

    @Test func lineEndsAreUnixAndTerminalEscapesAreDropped() {
        let raw = "[    0.000000] Linux\r\n\u{1B}[32mOK\u{1B}[0m cloud-init\tdone\u{7}\r\n"
        let encoded = Data(raw.utf8).base64EncodedString(options: .lineLength64Characters)
        #expect(EC2Client.consoleText(fromReply: reply(encoded)) == "[    0.000000] Linux\nOK cloud-init\tdone\n")
    }

    private func reply(_ output: String) -> XMLTree {
        XMLTree(name: "GetConsoleOutputResponse", children: [
            XMLTree(name: "instanceId", text: "i-1"), XMLTree(name: "output", text: output),
        ])
    }
}
