/// The AWS error codes the request layer treats specially.
enum AWSErrorCodes {
    /// "Slow down": retried with backoff (the AWS SDKs' standard-mode list).
    static let throttling: Set<String> = [
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
        "TooManyRequestsException", "ProvisionedThroughputExceededException", "TransactionInProgressException",
        "RequestLimitExceeded", "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled",
        "SlowDown", "PriorRequestNotComplete", "EC2ThrottledException",
    ]

    /// Transient failures worth another attempt whatever their status.
    static let transient: Set<String> = [
        "RequestTimeout", "RequestTimeoutException", "InternalError", "InternalFailure", "ServiceUnavailable",
    ]

    /// The credentials were not accepted.
    static let authentication: Set<String> = [
        "AuthFailure", "SignatureDoesNotMatch", "InvalidClientTokenId", "InvalidAccessKeyId",
        "IncompleteSignature", "InvalidSignatureException", "UnrecognizedClientException", "MissingAuthenticationToken",
    ]

    /// The credentials (or the clock) are out of date.
    static let expired: Set<String> = [
        "ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired", "RequestTimeTooSkewed",
    ]

    /// The principal may not do this.
    static let denied: Set<String> = ["AccessDenied", "AccessDeniedException", "UnauthorizedOperation"]

    /// What the user should do about `code`, when there is something general to say.
    static func advice(code: String, status: Int) -> String? {
        if authentication.contains(code) {
            return "AWS did not accept the credentials: check the secret access key that goes with this "
                + "access key id (`clusterctl aws check` shows which credentials are used)"
        }
        if expired.contains(code) {
            return "the credentials have expired or this machine's clock is wrong: refresh the session "
                + "credentials and check the system time"
        }
        if denied.contains(code) {
            return "the principal is not allowed to do this: grant the permission in IAM "
                + "(`clusterctl aws check` shows the principal)"
        }
        if throttling.contains(code) {
            return "AWS is throttling requests: wait a little and try again"
        }
        if code == "OptInRequired" {
            return "the account is not subscribed to this service in this region"
        }
        if (500...599).contains(status) || transient.contains(code) {
            return "the service had a temporary problem: try again later"
        }
        return nil
    }

    /// A code for replies without a body (S3 answers `HEAD` errors with the status alone).
    static func fromStatus(_ status: Int) -> String {
        switch status {
        case 301: return "PermanentRedirect"
        case 304: return "NotModified"
        case 400: return "BadRequest"
        case 403: return "Forbidden"
        case 404: return "NotFound"
        case 409: return "Conflict"
        case 412: return "PreconditionFailed"
        case 429: return "TooManyRequests"
        case 500: return "InternalError"
        case 503: return "ServiceUnavailable"
        default: return "HTTP\(status)"
        }
    }
}
