import COpenSSL
import Foundation

/// What a PEM certificate says: names, validity and subjectAltName entries, for renewal
/// decisions and checks.
///
/// Two values are equal when they were read from the same certificate (the same DER bytes).
public struct CertificateDetails: Sendable, Equatable {
    /// The subject's first common name (CN), or "" when the subject has none.
    public let subjectCommonName: String
    /// The issuer's first common name (CN), or "" when the issuer has none.
    public let issuerCommonName: String
    /// The start of the validity period (whole seconds).
    public let notBefore: Date
    /// The end of the validity period (whole seconds).
    public let notAfter: Date
    /// The subjectAltName `dNSName` entries, in certificate order.
    public let dnsNames: [String]
    /// The subjectAltName `iPAddress` entries in text form, in certificate order; IPv6
    /// addresses in their compressed lowercase form (`fd00::1`), whatever form they were
    /// given in.
    public let ipAddresses: [String]
    /// The certificate's DER encoding, kept to check its signature.
    private let der: [UInt8]

    /// Reads the first certificate in PEM `pem`.
    /// - Throws: ``OpenSSLError`` when there is no readable certificate in it.
    public init(pem: String) throws {
        let certificate = try X509Handle.parse(pem: pem)
        let x = certificate.pointer
        subjectCommonName = try X509Fields.commonName(in: X509_get_subject_name(x))
        issuerCommonName = try X509Fields.commonName(in: X509_get_issuer_name(x))
        notBefore = try X509Fields.date(X509_get0_notBefore(x))
        notAfter = try X509Fields.date(X509_get0_notAfter(x))
        (dnsNames, ipAddresses) = try X509Fields.subjectAltNames(of: x)
        der = try certificate.der()
    }

    /// True when this certificate's signature verifies with the public key of the certificate
    /// in `authorityCertificatePEM` (OpenSSL's `X509_verify`); false for any other key.
    ///
    /// Only the signature is checked: not names, validity periods or extensions.
    /// - Throws: ``OpenSSLError`` when `authorityCertificatePEM` holds no readable certificate.
    public func isSigned(by authorityCertificatePEM: String) throws -> Bool {
        let authority = try X509Handle.parse(pem: authorityCertificatePEM)
        let certificate = try X509Handle.parse(der: der)
        guard let publicKey = X509_get0_pubkey(authority.pointer) else {  // borrowed: freed with `authority`
            throw OpenSSLError.drain("reading the authority's public key failed")
        }
        let verified = X509_verify(certificate.pointer, publicKey) == 1
        ERR_clear_error()  // a failed verification leaves its reason queued; the answer is `false`
        return verified
    }
}

extension CertificateDetails: CustomStringConvertible {
    /// `certificate CN=<subject> issued by CN=<issuer>, valid <from> to <to>, DNS [...], IP [...]`.
    public var description: String {
        let format = ISO8601DateFormatter()
        return "certificate CN=\(subjectCommonName) issued by CN=\(issuerCommonName), "
            + "valid \(format.string(from: notBefore)) to \(format.string(from: notAfter)), "
            + "DNS \(dnsNames), IP \(ipAddresses)"
    }
}
