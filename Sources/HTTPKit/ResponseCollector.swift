import CCurl
import Foundation

/// Gathers the headers and body libcurl hands to its callbacks during one transfer.
final class ResponseCollector {
    private(set) var headers: [HTTPHeader] = []
    private(set) var body = Data()

    /// Takes one raw header line (`Name: value\r\n`, a status line or the blank end line).
    func receiveHeaderLine(_ bytes: UnsafeBufferPointer<UInt8>) {
        let line = String(decoding: bytes, as: UTF8.self)
        if line.hasPrefix("HTTP/") {
            // A new response begins (after 1xx or a proxy's CONNECT answer): keep only the last.
            headers.removeAll()
            return
        }
        let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { return }
        if line.first == " " || line.first == "\t", !headers.isEmpty {
            headers[headers.count - 1].value += " " + trimmed   // obsolete line folding
            return
        }
        guard let colon = trimmed.firstIndex(of: ":") else { return }
        let name = trimmed[..<colon].trimmingCharacters(in: .whitespaces)
        let value = trimmed[trimmed.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        headers.append(HTTPHeader(name, value))
    }

    func receiveBody(_ bytes: UnsafeBufferPointer<UInt8>) {
        body.append(bytes)
    }

    /// The opaque pointer libcurl passes back to the callbacks; valid while `self` lives.
    var opaquePointer: UnsafeMutableRawPointer {
        Unmanaged.passUnretained(self).toOpaque()
    }

    static func from(_ pointer: UnsafeMutableRawPointer?) -> ResponseCollector {
        Unmanaged<ResponseCollector>.fromOpaque(pointer!).takeUnretainedValue()
    }

    /// `CURLOPT_HEADERFUNCTION`: one call per header line.
    static let headerCallback: cc_data_cb = { data, size, count, userdata in
        let length = size * count
        let bytes = UnsafeBufferPointer(start: UnsafeRawPointer(data)?.assumingMemoryBound(to: UInt8.self), count: length)
        ResponseCollector.from(userdata).receiveHeaderLine(bytes)
        return length
    }

    /// `CURLOPT_WRITEFUNCTION`: one call per chunk of body.
    static let bodyCallback: cc_data_cb = { data, size, count, userdata in
        let length = size * count
        let bytes = UnsafeBufferPointer(start: UnsafeRawPointer(data)?.assumingMemoryBound(to: UInt8.self), count: length)
        ResponseCollector.from(userdata).receiveBody(bytes)
        return length
    }
}
