import Foundation
import HTTPKit

/// Reads the error out of a failed AWS reply, in each service's own shape:
///
/// - EC2: `<Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/></Response>`
/// - S3: `<Error><Code/><Message/><RequestId/></Error>`, request id also in `x-amz-request-id`
/// - STS and other Query services: `<ErrorResponse><Error><Code/><Message/></Error><RequestId/></ErrorResponse>`
///
/// A reply without an `Error` element gets a code derived from its status and the
/// start of its body as the message.
enum AWSErrorReply {
    static func error(from response: HTTPResponse, service: AWSService, operation: String,
                      redacting credentials: AWSCredentials?) -> AWSError {
        let tree = response.body.isEmpty ? nil : try? XMLTree.parse(response.body)
        let errorElement = tree.flatMap { $0.name == "Error" ? $0 : $0.first(named: "Error") }
        let code = errorElement?.value("Code") ?? AWSErrorCodes.fromStatus(response.status)
        var message = errorElement?.value("Message") ?? ""
        if errorElement == nil, !response.body.isEmpty {
            message = "unexpected reply: " + response.text.prefix(200).split(whereSeparator: \.isNewline).joined(separator: " ")
        }
        let requestId = tree.flatMap { $0.value("RequestID") ?? $0.value("RequestId") ?? $0.first(named: "RequestId")?.text }
            ?? errorElement?.value("RequestId")
            ?? response.header("x-amz-request-id") ?? response.header("x-amzn-RequestId")
        if let credentials { message = credentials.redact(message) }
        return AWSError(service: service.displayName, operation: operation, status: response.status,
                        code: code, message: message, requestId: requestId.flatMap { $0.isEmpty ? nil : $0 })
    }
}
