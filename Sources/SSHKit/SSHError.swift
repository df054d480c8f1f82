import Foundation

/// The stage of an SSH conversation at which something failed.
public enum SSHStep: String, Sendable, Equatable {
    case connect
    case handshake
    case hostKey = "host key"
    case auth
    case exec
    case sftp
    case forward
}

/// Everything that can go wrong on an SSH connection. Each case names the host
/// (as `host:port`) and, through `step`, the stage that failed.
public enum SSHError: Error, Equatable, CustomStringConvertible {
    /// The operation did not finish before its deadline.
    case timedOut(host: String, step: SSHStep, seconds: Double, doing: String)
    /// Generic failure at `step`, with libssh2's (or the OS's) message.
    case failed(host: String, step: SSHStep, message: String)
    /// The host presented a key found in no known_hosts file and the policy is strict.
    case unknownHostKey(host: String, fingerprint: String, keyType: String, recordFile: String,
                        keyscanCommand: String)
    /// The host presented a key different from the one recorded for it. Always refused.
    case hostKeyChanged(host: String, knownFingerprint: String, presentedFingerprint: String,
                        keyType: String, file: String, name: String)
    /// The server refused every credential offered for `user`.
    case authenticationFailed(host: String, user: String, message: String)
    /// The session was closed, or its connection had broken, before the operation started:
    /// nothing was done on the host. Open a new session and try again.
    case closed(host: String, step: SSHStep, reason: String)

    /// `host:port` of the connection that failed.
    public var host: String {
        switch self {
        case .timedOut(let h, _, _, _), .failed(let h, _, _), .unknownHostKey(let h, _, _, _, _),
             .hostKeyChanged(let h, _, _, _, _, _), .authenticationFailed(let h, _, _), .closed(let h, _, _):
            return h
        }
    }

    /// The stage that failed.
    public var step: SSHStep {
        switch self {
        case .timedOut(_, let s, _, _), .failed(_, let s, _), .closed(_, let s, _): return s
        case .unknownHostKey, .hostKeyChanged: return .hostKey
        case .authenticationFailed: return .auth
        }
    }

    /// What failed and what to do, without the host prefix.
    public var reason: String {
        switch self {
        case .timedOut(_, _, let seconds, let doing):
            return "\(doing) did not finish within \(formatSeconds(seconds))"
        case .failed(_, _, let message):
            return message
        case .unknownHostKey(_, let fingerprint, let keyType, let recordFile, let keyscan):
            return "host key is not known (\(keyType) \(fingerprint)) and host_key_policy is strict. "
                + "If that fingerprint is the host's, trust it with `host_key_policy: accept-new` "
                + "in the cluster file, or record it with: "
                + "\(keyscan) >> \(recordFile)"
        case .hostKeyChanged(_, let known, let presented, let keyType, let file, let name):
            return "HOST KEY CHANGED: \(file) records \(keyType) \(known) but the host presented "
                + "\(keyType) \(presented). Someone may be intercepting the connection, or the host "
                + "was reinstalled. Refusing to connect. If the change is expected, remove the old "
                + "entry with: ssh-keygen -R '\(name)' -f \(file)"
        case .authenticationFailed(_, let user, let message):
            return "authentication as \(user) failed: \(message)"
        case .closed(_, _, let reason):
            return "the SSH connection is not usable (\(reason)); reconnect"
        }
    }

    public var description: String {
        switch self {
        case .authenticationFailed(let host, let user, let message):
            return "\(user)@\(host): ssh auth: \(message)"
        default:
            return "\(host): ssh \(step.rawValue): \(reason)"
        }
    }
}

func formatSeconds(_ seconds: Double) -> String {
    seconds == seconds.rounded() ? "\(Int(seconds)) s" : String(format: "%.1f s", seconds)
}
