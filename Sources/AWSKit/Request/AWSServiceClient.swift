import Foundation
import HTTPKit

/// The request layer every AWS client shares: it signs a request for one service,
/// sends it through ``HTTPClient``, retries in AWS standard mode and turns error
/// replies into ``AWSError``.
///
/// Each attempt asks the credential provider again and is signed again, so a
/// retry carries a fresh date and fresh temporary credentials. Retried: throttling
/// codes, 429, 5xx and transient transport failures. Never retried: any other 4xx.
/// Final failures carry the number of attempts made.
public struct AWSServiceClient: Sendable {
    public let service: AWSService
    public let configuration: AWSClientConfiguration

    public init(service: AWSService, configuration: AWSClientConfiguration) {
        self.service = service
        self.configuration = configuration
    }

    /// Where requests go: the configured endpoint, else the regional AWS one.
    public var baseURL: String {
        configuration.endpoint ?? service.defaultEndpoint(region: configuration.region)
    }

    /// True when requests go to an endpoint override rather than AWS.
    public var usesCustomEndpoint: Bool { configuration.endpoint != nil }

    /// Signs and sends `request` (its URL exactly as it must go on the wire), with
    /// retries. Returns a 2xx response; throws ``AWSError`` for any other reply,
    /// ``AWSTransportError`` when no reply came, and credential or signing errors
    /// as they are.
    public func send(_ request: HTTPRequest, operation: String) throws -> HTTPResponse {
        do {
            return try withRetries(configuration.retryPolicy, quota: configuration.retryQuota,
                                   sleep: configuration.backoffSleep, random: configuration.backoffRandom,
                                   classify: RetryDecision.forOutcome) {
                try attempt(request, operation: operation)
            }
        } catch let failure as RetryError {
            throw finalError(failure.lastError, operation: operation, attempts: failure.attempts)
        }
    }

    /// Calls a Query API action (EC2, STS): a form POST of `Action`, `Version` and
    /// `parameters` to the service's root, answered with XML.
    public func query(_ action: String, version: String, parameters: QueryParameters = QueryParameters()) throws -> XMLTree {
        var form = QueryParameters()
        form.add("Action", action)
        form.add("Version", version)
        let body = (form.pairs + parameters.pairs).formEncoded
        let request = HTTPRequest(method: "POST", url: baseURL + "/",
                                  headers: [HTTPHeader("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")],
                                  body: Data(body.utf8))
        let response = try send(request, operation: action)
        do {
            return try XMLTree.parse(response.body)
        } catch {
            throw AWSError(service: service.displayName, operation: action, status: response.status,
                           code: "MalformedReply", message: "\(error)", requestId: response.header("x-amzn-RequestId"))
        }
    }

    /// A presigned copy of `request`, valid for `expiresIn` seconds.
    public func presign(_ request: HTTPRequest, expiresIn: Int) throws -> HTTPRequest {
        let signer = SigV4Signer(credentials: try configuration.credentials.credentials(),
                                 region: configuration.region, service: service.signingName)
        return try signer.presign(request, expiresIn: expiresIn)
    }

    private func attempt(_ request: HTTPRequest, operation: String) throws -> HTTPResponse {
        let credentials = try configuration.credentials.credentials()
        let signer = SigV4Signer(credentials: credentials, region: configuration.region, service: service.signingName)
        let response = try configuration.http.send(try signer.sign(request))
        guard response.isSuccess else {
            throw AWSErrorReply.error(from: response, service: service, operation: operation, redacting: credentials)
        }
        return response
    }

    private func finalError(_ error: Error, operation: String, attempts: Int) -> Error {
        switch error {
        case var error as AWSError:
            error.attempts = attempts
            return error
        case let error as HTTPError:
            return AWSTransportError(service: service.displayName, operation: operation, attempts: attempts, underlying: error)
        default:
            return error
        }
    }
}

extension AWSServiceClient: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// `EC2 client (region: ..., endpoint: ...)`: no credentials.
    public var description: String { "\(service) client (\(configuration))" }
    public var debugDescription: String { description }
    public var customMirror: Mirror {
        Mirror(self, children: ["service": service.displayName, "configuration": configuration], displayStyle: .struct)
    }
}
