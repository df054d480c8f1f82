import COpenSSL
import Foundation

/// A certificate authority for one cluster's mutual TLS: an EC P-256 key and a self-signed
/// CA certificate (ECDSA with SHA-256, X.509 v3), both as PEM text.
///
/// The CA certificate carries `basicConstraints` critical `CA:TRUE, pathlen:0` (it signs
/// leaves only), `keyUsage` critical `keyCertSign, cRLSign` and a `subjectKeyIdentifier`,
/// which is what strict verifiers (Python's `ssl.VERIFY_X509_STRICT`) ask of a CA.
///
/// A value holds only Swift strings, so it is safe to share between threads; every call
/// makes and frees its own OpenSSL objects. Its `description` and `dump` never show the
/// private key.
public struct CertificateAuthority: Sendable {
    /// The self-signed CA certificate (`-----BEGIN CERTIFICATE-----`): what peers trust.
    public let certificatePEM: String
    /// The CA's private key as unencrypted PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`).
    /// Secret: whoever holds it can issue certificates the cluster trusts.
    public let privateKeyPEM: String

    private init(checkedCertificatePEM: String, privateKeyPEM: String) {
        self.certificatePEM = checkedCertificatePEM
        self.privateKeyPEM = privateKeyPEM
    }

    /// A new CA: a fresh EC P-256 key and a self-signed certificate for it, valid from
    /// `now` − 5 minutes (for clock skew between machines) to `now` + `seconds`.
    /// - Parameters:
    ///   - commonName: the subject (and issuer) CN; 1 to 64 characters.
    ///   - seconds: how long the certificate is valid after `now`; must be positive.
    ///   - now: the moment the validity period is measured from.
    /// - Throws: ``OpenSSLError`` for an empty or over-long common name, a validity period
    ///   that is not positive or ends after the year 9999, or an OpenSSL failure.
    public static func create(commonName: String, validFor seconds: TimeInterval,
                              now: Date = Date()) throws -> CertificateAuthority {
        try X509Fields.checkCommonName(commonName)
        let key = try KeyHandle.generateP256()
        let certificate = try X509Handle.empty()
        try X509Fields.fill(certificate, commonName: commonName, key: key, validFor: seconds, now: now)
        guard X509_set_issuer_name(certificate.pointer, X509_get_subject_name(certificate.pointer)) == 1 else {
            throw OpenSSLError.drain("setting the CA's issuer name failed")
        }
        var context = X509V3_CTX()
        X509V3_set_ctx(&context, certificate.pointer, certificate.pointer, nil, nil, 0)
        try X509Fields.addExtension(certificate, nid: NID_basic_constraints, value: "critical,CA:TRUE,pathlen:0",
                                    context: &context)
        try X509Fields.addExtension(certificate, nid: NID_key_usage, value: "critical,keyCertSign,cRLSign",
                                    context: &context)
        try X509Fields.addExtension(certificate, nid: NID_subject_key_identifier, value: "hash", context: &context)
        guard X509_sign(certificate.pointer, key.pointer, EVP_sha256()) > 0 else {
            throw OpenSSLError.drain("signing the CA certificate failed")
        }
        return CertificateAuthority(checkedCertificatePEM: try certificate.pem(), privateKeyPEM: try key.pkcs8PEM())
    }

    /// Loads a CA saved earlier from its certificate and private key PEM text.
    /// - Throws: ``OpenSSLError`` when either PEM cannot be read, the key does not match the
    ///   certificate, or the certificate is not a CA certificate (`basicConstraints CA:TRUE`).
    public init(certificatePEM: String, privateKeyPEM: String) throws {
        let certificate = try X509Handle.parse(pem: certificatePEM)
        let key = try KeyHandle.parsePrivateKey(pem: privateKeyPEM)
        guard X509_check_private_key(certificate.pointer, key.pointer) == 1 else {
            throw OpenSSLError.drain("the private key does not match the CA certificate")
        }
        guard X509_check_ca(certificate.pointer) == 1 else {
            ERR_clear_error()
            throw OpenSSLError(operation: "the certificate is not a CA certificate (no basicConstraints CA:TRUE)",
                               reasons: [])
        }
        self.init(checkedCertificatePEM: certificatePEM, privateKeyPEM: privateKeyPEM)
    }

    /// A new EC P-256 key and a certificate for it signed by this CA, for TLS as a server and
    /// as a client (a Dask scheduler, worker or client).
    ///
    /// The certificate carries `basicConstraints` critical `CA:FALSE`, `keyUsage` critical
    /// `digitalSignature`, `extendedKeyUsage` `serverAuth, clientAuth`, a `subjectAltName`
    /// with every DNS name and IP address given (left out when both lists are empty), and
    /// `subjectKeyIdentifier` and `authorityKeyIdentifier` (keyid). It is valid from
    /// `now` − 5 minutes to `now` + `seconds`; nothing ties that to the CA's own expiry.
    /// - Parameters:
    ///   - commonName: the subject CN; 1 to 64 characters.
    ///   - dnsNames: host names (ASCII letters, digits, `-`, `.`, `_`, `*`), e.g. `localhost`.
    ///   - ipAddresses: IPv4 or IPv6 addresses in text form, e.g. `10.0.0.5` or `::1`.
    ///   - seconds: how long the certificate is valid after `now`; must be positive.
    ///   - now: the moment the validity period is measured from.
    /// - Throws: ``OpenSSLError`` for a bad common name, DNS name, IP address or validity
    ///   period, or an OpenSSL failure.
    public func issue(commonName: String, dnsNames: [String], ipAddresses: [String],
                      validFor seconds: TimeInterval, now: Date = Date()) throws -> IssuedCertificate {
        try X509Fields.checkCommonName(commonName)
        let alternativeNames = try X509Fields.subjectAltNames(dnsNames: dnsNames, ipAddresses: ipAddresses)
        let authority = try X509Handle.parse(pem: certificatePEM)
        let authorityKey = try KeyHandle.parsePrivateKey(pem: privateKeyPEM)
        let key = try KeyHandle.generateP256()
        let certificate = try X509Handle.empty()
        try X509Fields.fill(certificate, commonName: commonName, key: key, validFor: seconds, now: now)
        guard X509_set_issuer_name(certificate.pointer, X509_get_subject_name(authority.pointer)) == 1 else {
            throw OpenSSLError.drain("setting the certificate's issuer name failed")
        }
        var context = X509V3_CTX()
        X509V3_set_ctx(&context, authority.pointer, certificate.pointer, nil, nil, 0)
        try X509Fields.addExtension(certificate, nid: NID_basic_constraints, value: "critical,CA:FALSE",
                                    context: &context)
        try X509Fields.addExtension(certificate, nid: NID_key_usage, value: "critical,digitalSignature",
                                    context: &context)
        try X509Fields.addExtension(certificate, nid: NID_ext_key_usage, value: "serverAuth,clientAuth",
                                    context: &context)
        try X509Fields.addExtension(certificate, nid: NID_subject_key_identifier, value: "hash", context: &context)
        try X509Fields.addExtension(certificate, nid: NID_authority_key_identifier, value: "keyid:always",
                                    context: &context)
        if !alternativeNames.isEmpty {
            guard X509_add1_ext_i2d(certificate.pointer, NID_subject_alt_name,
                                    UnsafeMutableRawPointer(alternativeNames.pointer), 0,
                                    UInt(X509V3_ADD_DEFAULT)) == 1
            else {
                throw OpenSSLError.drain("adding the subjectAltName extension failed")
            }
        }
        guard X509_sign(certificate.pointer, authorityKey.pointer, EVP_sha256()) > 0 else {
            throw OpenSSLError.drain("signing the certificate failed")
        }
        return IssuedCertificate(certificatePEM: try certificate.pem(), privateKeyPEM: try key.pkcs8PEM())
    }
}

/// A certificate issued by a ``CertificateAuthority`` and its new private key, as PEM text.
///
/// Its `description` and `dump` never show the private key.
public struct IssuedCertificate: Sendable {
    /// The certificate (`-----BEGIN CERTIFICATE-----`), signed by the CA.
    public let certificatePEM: String
    /// The certificate's private key as unencrypted PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`).
    /// Secret: write it only to files only its owner can read.
    public let privateKeyPEM: String
}

/// `what CN=name`, or `what` when the certificate cannot be read.
private func summary(_ what: String, certificatePEM: String) -> String {
    guard let details = try? CertificateDetails(pem: certificatePEM) else { return what }
    return "\(what) CN=\(details.subjectCommonName)"
}

extension CertificateAuthority: CustomStringConvertible, CustomReflectable {
    /// `certificate authority CN=<name> (private key not shown)`.
    public var description: String {
        "\(summary("certificate authority", certificatePEM: certificatePEM)) (private key not shown)"
    }

    /// The certificate only, so `dump` never prints the private key.
    public var customMirror: Mirror {
        Mirror(self, children: ["certificatePEM": certificatePEM, "privateKeyPEM": "(not shown)"])
    }
}

extension IssuedCertificate: CustomStringConvertible, CustomReflectable {
    /// `issued certificate CN=<name> (private key not shown)`.
    public var description: String {
        "\(summary("issued certificate", certificatePEM: certificatePEM)) (private key not shown)"
    }

    /// The certificate only, so `dump` never prints the private key.
    public var customMirror: Mirror {
        Mirror(self, children: ["certificatePEM": certificatePEM, "privateKeyPEM": "(not shown)"])
    }
}
