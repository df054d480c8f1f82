import CCurl
import Foundation

/// One libcurl easy handle and its error buffer. It runs one transfer at a time and keeps
/// its open connections between transfers (`curl_easy_reset` leaves them alone), which is
/// how ``HTTPClient`` reuses connections.
final class CurlEasyHandle {
    private let curl: UnsafeMutableRawPointer
    private let errorBuffer: UnsafeMutablePointer<CChar>

    init() throws {
        try CurlGlobal.ensureInitialized()
        guard let curl = curl_easy_init() else {
            throw HTTPError.clientSetup(reason: "curl_easy_init returned no handle")
        }
        self.curl = curl
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
    }

    deinit {
        curl_easy_cleanup(curl)
        errorBuffer.deallocate()
    }

    /// Sends `request` once and returns the final response, or throws ``HTTPError``.
    func perform(_ request: HTTPRequest, configuration: HTTPClientConfiguration) throws -> HTTPResponse {
        try RequestValidation.check(request)
        errorBuffer[0] = 0
        let collector = ResponseCollector()
        let headerList = try HeaderList(request.headers)
        defer {
            // Forget every option, so no pointer into this request's header list, body or
            // collector outlives the call; open connections stay for the next request.
            curl_easy_reset(curl)
        }
        try applyCommonOptions(configuration, timeout: request.timeout ?? configuration.timeout)
        try set(CURLOPT_URL, request.url)
        try set(CURLOPT_HTTPHEADER, pointer: headerList.pointer)
        try set(CURLOPT_HEADERFUNCTION, callback: ResponseCollector.headerCallback)
        try set(CURLOPT_HEADERDATA, pointer: collector.opaquePointer)
        try set(CURLOPT_WRITEFUNCTION, callback: ResponseCollector.bodyCallback)
        try set(CURLOPT_WRITEDATA, pointer: collector.opaquePointer)

        // Both objects must outlive the transfer: libcurl holds raw pointers into them.
        let code: CURLcode = try withExtendedLifetime((collector, headerList)) {
            try withMethodAndBody(request) { curl_easy_perform(curl) }
        }
        guard code == CURLE_OK else { throw failure(code, url: request.url) }

        var status = 0
        _ = cc_getinfo_long(curl, CURLINFO_RESPONSE_CODE, &status)
        return HTTPResponse(status: status, headers: collector.headers, body: collector.body)
    }

    /// Options every request gets: safety, timeouts, identity, error reporting.
    private func applyCommonOptions(_ configuration: HTTPClientConfiguration, timeout: Double) throws {
        try set(CURLOPT_NOSIGNAL, 1)                  // no SIGALRM from name resolution
        try set(CURLOPT_PROTOCOLS_STR, "http,https")  // no file://, ftp:// and the like
        try set(CURLOPT_PATH_AS_IS, 1)                // send /../ and /./ as written
        try set(CURLOPT_SSL_VERIFYPEER, 1)
        try set(CURLOPT_SSL_VERIFYHOST, 2)
        try set(CURLOPT_PROXY_SSL_VERIFYPEER, 1)
        try set(CURLOPT_PROXY_SSL_VERIFYHOST, 2)
        if let caBundle = configuration.caBundlePath {
            try set(CURLOPT_CAINFO, caBundle)
            try set(CURLOPT_PROXY_CAINFO, caBundle)
        }
        try set(CURLOPT_CONNECTTIMEOUT_MS, Self.milliseconds(configuration.connectTimeout))
        try set(CURLOPT_TIMEOUT_MS, Self.milliseconds(timeout))
        try set(CURLOPT_TCP_KEEPALIVE, 1)
        try set(CURLOPT_SUPPRESS_CONNECT_HEADERS, 1)
        try set(CURLOPT_USERAGENT, configuration.userAgent)
        try set(CURLOPT_ERRORBUFFER, pointer: errorBuffer)
    }

    /// Sets the method and body options, then runs `perform` while the body bytes stay valid
    /// (libcurl reads `CURLOPT_POSTFIELDS` in place, without copying).
    private func withMethodAndBody(_ request: HTTPRequest, _ perform: () -> CURLcode) throws -> CURLcode {
        let method = request.method
        if method == "HEAD" {
            try set(CURLOPT_NOBODY, 1)   // read the headers, never wait for a body
            return perform()
        }
        let sendsBody = !request.body.isEmpty || method == "POST" || method == "PUT" || method == "PATCH"
        guard sendsBody else {
            try set(CURLOPT_HTTPGET, 1)
            if method != "GET" { try set(CURLOPT_CUSTOMREQUEST, method) }
            return perform()
        }
        try set(CURLOPT_POST, 1)
        if method != "POST" { try set(CURLOPT_CUSTOMREQUEST, method) }
        try setOffset(CURLOPT_POSTFIELDSIZE_LARGE, Int64(request.body.count))
        if request.body.isEmpty {
            try set(CURLOPT_COPYPOSTFIELDS, "")  // a non-null, zero-length body
            return perform()
        }
        return try request.body.withUnsafeBytes { bytes in
            try set(CURLOPT_POSTFIELDS, pointer: bytes.baseAddress)
            return perform()
        }
    }

    private func failure(_ code: CURLcode, url: String) -> HTTPError {
        let detail = errorBuffer[0] != 0 ? String(cString: errorBuffer) : String(cString: curl_easy_strerror(code))
        let message = URLParts.redactingQuery(of: url, in: detail)
        if code == CURLE_URL_MALFORMAT || code == CURLE_UNSUPPORTED_PROTOCOL {
            return .invalidRequest(reason: "\(message); use an absolute http:// or https:// URL")
        }
        return .transport(TransportFailure(code: code, host: URLParts.authority(of: url), message: message))
    }

    private static func milliseconds(_ seconds: Double) -> Int {
        guard seconds.isFinite else { return 0 }   // libcurl: 0 means no limit
        return max(1, Int((seconds * 1000).rounded()))
    }

    // MARK: typed setopt

    private func set(_ option: CURLoption, _ value: Int) throws {
        try check(cc_setopt_long(curl, option, value), option)
    }

    private func set(_ option: CURLoption, _ value: String) throws {
        try check(cc_setopt_str(curl, option, value), option)
    }

    private func set(_ option: CURLoption, pointer: UnsafeRawPointer?) throws {
        try check(cc_setopt_ptr(curl, option, pointer), option)
    }

    private func set(_ option: CURLoption, callback: cc_data_cb) throws {
        try check(cc_setopt_datacb(curl, option, callback), option)
    }

    private func setOffset(_ option: CURLoption, _ value: Int64) throws {
        try check(cc_setopt_off(curl, option, curl_off_t(value)), option)
    }

    private func check(_ code: CURLcode, _ option: CURLoption) throws {
        guard code == CURLE_OK else {
            throw HTTPError.clientSetup(
                reason: "libcurl rejected option \(option.rawValue): \(String(cString: curl_easy_strerror(code)))")
        }
    }
}
