import Foundation
import HTTPKit

/// This machine's public address as the internet sees it, as a CIDR block (`203.0.113.7/32`,
/// `2001:db8::7/128`): the default `allowed_cidrs` of an EC2 cluster, so only the user can
/// reach its nodes.
///
/// Asked of `https://checkip.amazonaws.com` (or `CLUSTERCTL_CHECKIP_URL`), which answers
/// with the caller's address and nothing else.
public enum CallerAddress {
    /// Where the address is asked by default.
    public static let defaultURL = "https://checkip.amazonaws.com"
    /// The environment variable that replaces ``defaultURL``.
    public static let urlVariable = "CLUSTERCTL_CHECKIP_URL"

    /// The caller's public address as a one-address CIDR block. Makes at most 2 attempts
    /// (a transient connection failure, a 429 or a 5xx is tried again), each limited to
    /// `timeout` seconds. `http` replaces the client made with that timeout.
    /// - Throws: ``CallerAddressError``, which tells the user to set `allowed_cidrs`.
    public static func lookup(environment: [String: String], timeout: Double = 5,
                              http: HTTPClient? = nil) throws -> String {
        let url = environment[urlVariable].flatMap { $0.isEmpty ? nil : $0 } ?? defaultURL
        let client = http ?? HTTPClient(configuration: HTTPClientConfiguration(connectTimeout: timeout, timeout: timeout))
        let response: HTTPResponse
        do {
            response = try client.send(HTTPRequest(url: url, timeout: timeout),
                                       retrying: RetryPolicy(maxAttempts: 2, baseDelay: 0.5))
        } catch let failure as RetryError {
            throw CallerAddressError(url: url, reason: reason(for: failure.lastError, attempts: failure.attempts))
        } catch {
            throw CallerAddressError(url: url, reason: reason(for: error, attempts: 1))
        }
        guard response.status == 200 else {
            throw CallerAddressError(url: url, reason: "it answered HTTP \(response.status)")
        }
        guard let cidr = cidr(fromReply: response.text) else {
            throw CallerAddressError(url: url, reason: "its answer is not an IP address: \(excerpt(response.text))")
        }
        return cidr
    }

    /// The CIDR block of the one IPv4 or IPv6 address that `body` holds (surrounding
    /// whitespace aside); nil for anything else.
    public static func cidr(fromReply body: String) -> String? {
        let text = body.trimmingCharacters(in: .whitespacesAndNewlines)
        var ipv4 = in_addr()
        var ipv6 = in6_addr()
        if inet_pton(AF_INET, text, &ipv4) == 1 { return text + "/32" }
        if inet_pton(AF_INET6, text, &ipv6) == 1 { return text + "/128" }
        return nil
    }

    private static func reason(for error: Error, attempts: Int) -> String {
        let tries = attempts == 1 ? "" : " (\(attempts) attempts)"
        if case .transport(let failure)? = error as? HTTPError {
            return "\(failure.kind.rawValue): \(failure.message)\(tries)"
        }
        return "\(error)\(tries)"
    }

    /// The first 60 characters of `text` on one line, quoted.
    private static func excerpt(_ text: String) -> String {
        let line = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        return (line.count > 60 ? String(line.prefix(60)) + "..." : line).debugDescription
    }
}

/// The caller's public address could not be found: says where it was asked, why that
/// failed, and to set `provider.allowed_cidrs` instead.
public struct CallerAddressError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The URL that was asked.
    public var url: String
    /// What went wrong there.
    public var reason: String

    public var description: String {
        "could not find your public address at \(url) (\(reason)): set provider.allowed_cidrs in the "
            + "cluster file, e.g. allowed_cidrs: [203.0.113.7/32]"
    }
}
