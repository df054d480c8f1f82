/// A condition on `PutObject` that makes a write lose a race cleanly instead of
/// overwriting someone else's (S3 conditional writes).
public enum S3WriteCondition: Sendable, Equatable {
    /// Write only if no object has this key (`If-None-Match: *`).
    case doesNotExist
    /// Write only if the object still has this ETag (`If-Match`), i.e. nobody
    /// wrote it since it was read.
    case etagMatches(String)

    var header: (name: String, value: String) {
        switch self {
        case .doesNotExist: return ("If-None-Match", "*")
        case .etagMatches(let etag): return ("If-Match", etag)
        }
    }
}

/// A conditional `PutObject` that lost: someone else wrote the object first
/// (S3 answered 412 Precondition Failed, or 409 for a concurrent conditional write).
public struct S3WriteConflict: Error, Sendable, Equatable, CustomStringConvertible {
    public var bucket: String
    public var key: String
    public var condition: S3WriteCondition

    public init(bucket: String, key: String, condition: S3WriteCondition) {
        self.bucket = bucket
        self.key = key
        self.condition = condition
    }

    public var description: String {
        switch condition {
        case .doesNotExist:
            return "someone else wrote s3://\(bucket)/\(key) first: it already exists (If-None-Match: *); "
                + "read it and decide again"
        case .etagMatches(let etag):
            return "someone else wrote s3://\(bucket)/\(key) first: it no longer has ETag \(etag) (If-Match); "
                + "read it again and retry"
        }
    }
}
