import COpenSSL
import Foundation

// The OpenSSL objects behind CertificateAuthority, IssuedCertificate and CertificateDetails.
// Each pointer has exactly one owner: a small class below (freed in deinit) or a `defer` in
// the function that made it, so every path out, thrown errors included, frees it. Nothing
// here is public and nothing here is shared between calls.

/// Owns one `X509` certificate.
final class X509Handle {
    let pointer: OpaquePointer

    private init(taking pointer: OpaquePointer) { self.pointer = pointer }
    deinit { X509_free(pointer) }

    /// An empty certificate to fill in.
    static func empty() throws -> X509Handle {
        guard let pointer = X509_new() else { throw OpenSSLError.drain("allocating a certificate failed") }
        return X509Handle(taking: pointer)
    }

    /// The first certificate in PEM `text`.
    static func parse(pem text: String) throws -> X509Handle {
        let pointer = try withReadOnlyBIO(text) { bio in
            PEM_read_bio_X509(bio, nil, refusePassword, nil)
        }
        guard let pointer else { throw OpenSSLError.drain("reading the PEM certificate failed") }
        ERR_clear_error()
        return X509Handle(taking: pointer)
    }

    /// A certificate from its DER encoding.
    static func parse(der: [UInt8]) throws -> X509Handle {
        let pointer: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
            var cursor = buffer.baseAddress
            return d2i_X509(nil, &cursor, buffer.count)
        }
        guard let pointer else { throw OpenSSLError.drain("reading the DER certificate failed") }
        return X509Handle(taking: pointer)
    }

    /// The certificate as PEM text (`-----BEGIN CERTIFICATE-----`).
    func pem() throws -> String {
        let bio = try MemoryBIO(secure: false)
        guard PEM_write_bio_X509(bio.pointer, pointer) == 1 else {
            throw OpenSSLError.drain("writing the certificate as PEM failed")
        }
        return bio.text()
    }

    /// The certificate's DER encoding.
    func der() throws -> [UInt8] {
        var out: UnsafeMutablePointer<UInt8>?
        let length = i2d_X509(pointer, &out)
        defer { CRYPTO_free(out, "OpenSSLKit", 0) }
        guard length > 0, let out else { throw OpenSSLError.drain("encoding the certificate as DER failed") }
        return Array(UnsafeBufferPointer(start: out, count: Int(length)))
    }
}

/// Owns one `EVP_PKEY` (a private key, or a public one).
final class KeyHandle {
    let pointer: OpaquePointer

    private init(taking pointer: OpaquePointer) { self.pointer = pointer }
    deinit { EVP_PKEY_free(pointer) }

    /// A new EC key on the P-256 curve (named-curve encoding).
    static func generateP256() throws -> KeyHandle {
        guard let context = EVP_PKEY_CTX_new_from_name(nil, "EC", nil) else {
            throw OpenSSLError.drain("EC key generation could not start")
        }
        defer { EVP_PKEY_CTX_free(context) }
        var key: OpaquePointer?
        guard EVP_PKEY_keygen_init(context) == 1,
              EVP_PKEY_CTX_set_group_name(context, "P-256") == 1,
              EVP_PKEY_keygen(context, &key) == 1, let key
        else {
            throw OpenSSLError.drain("EC P-256 key generation failed")
        }
        return KeyHandle(taking: key)
    }

    /// The first private key in PEM `text`; an encrypted key is refused, never prompted for.
    static func parsePrivateKey(pem text: String) throws -> KeyHandle {
        let pointer = try withReadOnlyBIO(text) { bio in
            PEM_read_bio_PrivateKey(bio, nil, refusePassword, nil)
        }
        guard let pointer else { throw OpenSSLError.drain("reading the PEM private key failed") }
        ERR_clear_error()
        return KeyHandle(taking: pointer)
    }

    /// The private key as unencrypted PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), written
    /// through a BIO whose buffer is cleared when freed.
    func pkcs8PEM() throws -> String {
        let bio = try MemoryBIO(secure: true)
        guard PEM_write_bio_PKCS8PrivateKey(bio.pointer, pointer, nil, nil, 0, nil, nil) == 1 else {
            throw OpenSSLError.drain("writing the private key as PKCS#8 PEM failed")
        }
        return bio.text()
    }
}

/// Owns one writable memory `BIO`.
final class MemoryBIO {
    let pointer: OpaquePointer

    /// `secure`: a buffer that is cleared when freed (for private keys).
    init(secure: Bool) throws {
        guard let pointer = BIO_new(secure ? BIO_s_secmem() : BIO_s_mem()) else {
            throw OpenSSLError.drain("allocating a memory BIO failed")
        }
        self.pointer = pointer
    }

    deinit { BIO_free(pointer) }

    /// Everything written so far, as UTF-8 text.
    func text() -> String {
        var data: UnsafeMutablePointer<CChar>?
        let length = BIO_ctrl(pointer, BIO_CTRL_INFO, 0, &data)
        guard length > 0, let data else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
    }
}

/// Owns a `GENERAL_NAMES` stack (a subjectAltName's value) and every name on it.
final class GeneralNames {
    let pointer: OpaquePointer

    init() throws {
        guard let pointer = OPENSSL_sk_new_null() else {
            throw OpenSSLError.drain("allocating the subjectAltName list failed")
        }
        self.pointer = pointer
    }

    deinit { GENERAL_NAMES_free(pointer) }

    var isEmpty: Bool { OPENSSL_sk_num(pointer) == 0 }

    /// Adds a `dNSName` (IA5String) entry.
    func appendDNSName(_ name: String) throws {
        try append(type: GEN_DNS, stringType: V_ASN1_IA5STRING, bytes: Array(name.utf8))
    }

    /// Adds an `iPAddress` entry: 4 bytes (IPv4) or 16 bytes (IPv6), network order.
    func appendIPAddress(_ bytes: [UInt8]) throws {
        try append(type: GEN_IPADD, stringType: V_ASN1_OCTET_STRING, bytes: bytes)
    }

    private func append(type: Int32, stringType: Int32, bytes: [UInt8]) throws {
        guard let value = ASN1_STRING_type_new(stringType) else {
            throw OpenSSLError.drain("allocating a subjectAltName entry failed")
        }
        guard ASN1_STRING_set(value, bytes, Int32(bytes.count)) == 1, let name = GENERAL_NAME_new() else {
            ASN1_STRING_free(value)
            throw OpenSSLError.drain("allocating a subjectAltName entry failed")
        }
        GENERAL_NAME_set0_value(name, type, UnsafeMutableRawPointer(value))  // name owns value now
        guard OPENSSL_sk_push(pointer, UnsafeRawPointer(name)) > 0 else {
            GENERAL_NAME_free(name)
            throw OpenSSLError.drain("adding a subjectAltName entry failed")
        }
    }
}

/// The password callback for PEM reads: refuses, so an encrypted key fails instead of
/// OpenSSL's default callback prompting on the terminal.
let refusePassword: @convention(c) (UnsafeMutablePointer<CChar>?, Int32, Int32, UnsafeMutableRawPointer?) -> Int32 = {
    _, _, _, _ in -1
}

/// Runs `body` with a read-only memory BIO over the UTF-8 bytes of `text`, freed after.
func withReadOnlyBIO<T>(_ text: String, _ body: (OpaquePointer) throws -> T) throws -> T {
    let bytes = Array(text.utf8)
    guard bytes.count < Int(Int32.max) else {
        throw OpenSSLError(operation: "the PEM text is too long", reasons: [])
    }
    return try bytes.withUnsafeBytes { buffer in
        guard let bio = BIO_new_mem_buf(buffer.baseAddress, Int32(buffer.count)) else {
            throw OpenSSLError.drain("allocating a memory BIO failed")
        }
        defer { BIO_free(bio) }
        return try body(bio)
    }
}

/// Certificate contents: names, times, serials, extensions.
enum X509Fields {
    /// Earliest and latest instants an X.509 time (GeneralizedTime) can hold: years 1 to 9999.
    static let earliest = Date(timeIntervalSince1970: -62_135_596_800)
    static let latest = Date(timeIntervalSince1970: 253_402_300_799)

    /// Sets version 3, a random positive 128-bit serial, subject CN and the validity period
    /// (`now` − 5 minutes to `now` + `seconds`), and attaches `key`'s public half.
    static func fill(_ certificate: X509Handle, commonName: String, key: KeyHandle,
                     validFor seconds: TimeInterval, now: Date) throws {
        let x = certificate.pointer
        guard X509_set_version(x, Int(X509_VERSION_3)) == 1 else {
            throw OpenSSLError.drain("setting the certificate version failed")
        }
        try setRandomSerial(x)
        try addCommonName(commonName, to: X509_get_subject_name(x))
        let (notBefore, notAfter) = try validity(seconds: seconds, now: now)
        guard ASN1_TIME_set(X509_getm_notBefore(x), notBefore) != nil,
              ASN1_TIME_set(X509_getm_notAfter(x), notAfter) != nil
        else {
            throw OpenSSLError.drain("setting the validity period failed")
        }
        guard X509_set_pubkey(x, key.pointer) == 1 else {
            throw OpenSSLError.drain("setting the certificate's public key failed")
        }
    }

    /// Checks a common name before OpenSSL sees it: present, and at most 64 characters
    /// (X.520's upper bound, which OpenSSL enforces).
    static func checkCommonName(_ commonName: String) throws {
        guard !commonName.isEmpty else {
            throw OpenSSLError(operation: "a certificate needs a non-empty common name", reasons: [])
        }
        guard commonName.unicodeScalars.count <= 64 else {
            throw OpenSSLError(operation: "common name '\(commonName)' is longer than 64 characters", reasons: [])
        }
        guard !commonName.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw OpenSSLError(operation: "common name \(commonName.debugDescription) contains control characters",
                               reasons: [])
        }
    }

    private static func validity(seconds: TimeInterval, now: Date) throws -> (time_t, time_t) {
        guard seconds.isFinite, seconds > 0 else {
            throw OpenSSLError(operation: "validity period \(seconds) s is not a positive number of seconds",
                               reasons: [])
        }
        let notBefore = now.addingTimeInterval(-300)
        let notAfter = now.addingTimeInterval(seconds)
        guard notBefore >= earliest, notAfter <= latest else {
            throw OpenSSLError(operation: "validity period \(notBefore) to \(notAfter) is outside the years 1-9999",
                               reasons: [])
        }
        return (time_t(notBefore.timeIntervalSince1970.rounded(.down)),
                time_t(notAfter.timeIntervalSince1970.rounded(.down)))
    }

    /// 16 random bytes with the top bit cleared (positive in DER), never zero.
    private static func setRandomSerial(_ x: OpaquePointer) throws {
        var bytes = [UInt8](repeating: 0, count: 16)
        guard RAND_bytes(&bytes, Int32(bytes.count)) == 1 else {
            throw OpenSSLError.drain("drawing a random serial number failed")
        }
        bytes[0] &= 0x7f
        if bytes.allSatisfy({ $0 == 0 }) { bytes[15] = 1 }
        guard let number = BN_bin2bn(bytes, Int32(bytes.count), nil) else {
            throw OpenSSLError.drain("making the serial number failed")
        }
        defer { BN_free(number) }
        guard BN_to_ASN1_INTEGER(number, X509_get_serialNumber(x)) != nil else {
            throw OpenSSLError.drain("setting the serial number failed")
        }
    }

    private static func addCommonName(_ commonName: String, to name: OpaquePointer?) throws {
        let bytes = Array(commonName.utf8)
        guard X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_UTF8, bytes, Int32(bytes.count), -1, 0) == 1
        else {
            throw OpenSSLError.drain("setting common name '\(commonName)' failed")
        }
    }

    /// Adds one extension written in OpenSSL's config syntax (e.g. `critical,CA:TRUE`);
    /// `context` names the issuer and subject certificates, so `hash` and `keyid` resolve.
    static func addExtension(_ certificate: X509Handle, nid: Int32, value: String,
                             context: inout X509V3_CTX) throws {
        guard let ext = X509V3_EXT_conf_nid(nil, &context, nid, value) else {
            throw OpenSSLError.drain("making the \(String(cString: OBJ_nid2sn(nid))) extension '\(value)' failed")
        }
        defer { X509_EXTENSION_free(ext) }
        guard X509_add_ext(certificate.pointer, ext, -1) == 1 else {
            throw OpenSSLError.drain("adding the \(String(cString: OBJ_nid2sn(nid))) extension failed")
        }
    }

    /// A subjectAltName value with every DNS name and IP address; throws for a malformed one.
    static func subjectAltNames(dnsNames: [String], ipAddresses: [String]) throws -> GeneralNames {
        let names = try GeneralNames()
        for dnsName in dnsNames {
            try checkDNSName(dnsName)
            try names.appendDNSName(dnsName)
        }
        for address in ipAddresses {
            try names.appendIPAddress(ipAddressBytes(address))
        }
        return names
    }

    /// A DNS name for a subjectAltName: ASCII letters, digits, `-`, `.`, `_` and a `*` for
    /// wildcards, 1 to 253 characters (internationalized names must come as `xn--` labels).
    private static func checkDNSName(_ name: String) throws {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._*".utf8)
        guard !name.isEmpty, name.utf8.count <= 253, name.utf8.allSatisfy(allowed.contains) else {
            throw OpenSSLError(operation: "\(name.debugDescription) is not a DNS name", reasons: [])
        }
    }

    /// The network-order bytes of an IPv4 (4) or IPv6 (16) address in text form.
    static func ipAddressBytes(_ text: String) throws -> [UInt8] {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { Array($0) }
        }
        throw OpenSSLError(operation: "\(text.debugDescription) is not an IPv4 or IPv6 address", reasons: [])
    }

    /// The text form of a 4- or 16-byte address (IPv6 in its compressed lowercase form).
    static func ipAddressText(_ bytes: [UInt8]) throws -> String {
        let family: Int32
        switch bytes.count {
        case 4: family = AF_INET
        case 16: family = AF_INET6
        default:
            throw OpenSSLError(operation: "an iPAddress entry of \(bytes.count) bytes is not an address", reasons: [])
        }
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard inet_ntop(family, bytes, &text, socklen_t(text.count)) != nil else {
            throw OpenSSLError(operation: "formatting an iPAddress entry failed", reasons: [])
        }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The first common name in an `X509_NAME`, or "" when it has none.
    static func commonName(in name: OpaquePointer?) throws -> String {
        let index = X509_NAME_get_index_by_NID(name, NID_commonName, -1)
        guard index >= 0 else { return "" }
        let entry = X509_NAME_get_entry(name, index)
        var utf8: UnsafeMutablePointer<UInt8>?
        let length = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(entry))
        defer { CRYPTO_free(utf8, "OpenSSLKit", 0) }
        guard length >= 0, let utf8 else { throw OpenSSLError.drain("reading a common name failed") }
        return String(decoding: UnsafeBufferPointer(start: utf8, count: Int(length)), as: UTF8.self)
    }

    /// An ASN.1 time (UTCTime or GeneralizedTime, always UTC in certificates) as a Date.
    static func date(_ time: UnsafePointer<ASN1_TIME>?) throws -> Date {
        var parts = tm()
        guard let time, ASN1_TIME_to_tm(time, &parts) == 1 else {
            throw OpenSSLError.drain("reading a certificate time failed")
        }
        return Date(timeIntervalSince1970: TimeInterval(timegm(&parts)))
    }

    /// The DNS names and IP addresses in the subjectAltName extension, in certificate order.
    static func subjectAltNames(of x: OpaquePointer) throws -> (dnsNames: [String], ipAddresses: [String]) {
        var critical: Int32 = 0
        guard let raw = X509_get_ext_d2i(x, NID_subject_alt_name, &critical, nil) else {
            if critical == -1 { return ([], []) }  // no subjectAltName at all
            throw OpenSSLError.drain("reading the subjectAltName extension failed")
        }
        let names = OpaquePointer(raw)
        defer { GENERAL_NAMES_free(names) }
        var dnsNames: [String] = []
        var ipAddresses: [String] = []
        for index in 0..<OPENSSL_sk_num(names) {
            guard let name = OPENSSL_sk_value(names, index) else { continue }
            var type: Int32 = 0
            guard let value = GENERAL_NAME_get0_value(name.assumingMemoryBound(to: GENERAL_NAME.self), &type)
            else { continue }
            let string = value.assumingMemoryBound(to: ASN1_STRING.self)
            let bytes = Array(UnsafeBufferPointer(start: ASN1_STRING_get0_data(string),
                                                  count: Int(ASN1_STRING_length(string))))
            switch type {
            case GEN_DNS: dnsNames.append(String(decoding: bytes, as: UTF8.self))
            case GEN_IPADD: ipAddresses.append(try ipAddressText(bytes))
            default: continue
            }
        }
        return (dnsNames, ipAddresses)
    }
}
