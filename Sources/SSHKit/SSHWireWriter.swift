/// Writes SSH wire-format fields (RFC 4251: uint32, length-prefixed strings), the inverse
/// of ``SSHWireReader``.
struct SSHWireWriter {
    /// Everything written so far.
    private(set) var data: [UInt8] = []

    mutating func append(uint32 value: UInt32) {
        data += [UInt8(value >> 24), UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff)]
    }

    /// A length-prefixed string of raw bytes.
    mutating func append(bytes: [UInt8]) {
        append(uint32: UInt32(bytes.count))
        data += bytes
    }

    /// A length-prefixed string of UTF-8 text.
    mutating func append(string: String) {
        append(bytes: Array(string.utf8))
    }

    /// Bytes with no length prefix (a magic, padding).
    mutating func append(raw: [UInt8]) {
        data += raw
    }
}
