import Foundation

extension EC2Client {
    /// What the instance printed on its serial console (kernel, cloud-init), as EC2 last
    /// captured it, to show why a node never came up. EC2 captures it a few minutes after
    /// boot: until then, and for output that is not base64, this is nil.
    ///
    /// Line ends become `\n`; terminal escape sequences (colours) and other control
    /// characters are dropped, so the text is safe to print.
    public func consoleOutput(instanceId: String) throws -> String? {
        var parameters = QueryParameters()
        parameters.add("InstanceId", instanceId)
        return Self.consoleText(fromReply: try call("GetConsoleOutput", parameters))
    }

    /// The decoded, printable `<output>` of a `GetConsoleOutput` reply; nil when it is absent,
    /// empty or not base64.
    static func consoleText(fromReply reply: XMLTree) -> String? {
        guard let encoded = reply.value("output"),
              let data = Data(base64Encoded: encoded, options: .ignoreUnknownCharacters), !data.isEmpty
        else { return nil }
        let text = String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n")
            .replacingOccurrences(of: "\u{1B}\\[[0-9;?]*[ -/]*[@-~]", with: "", options: .regularExpression)
        return String(String.UnicodeScalarView(text.unicodeScalars.filter { scalar in
            scalar == "\n" || scalar == "\t" || scalar.properties.generalCategory != .control
        }))
    }
}
