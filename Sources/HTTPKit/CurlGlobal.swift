import CCurl

/// libcurl's process-wide setup, done exactly once before the first handle is made.
enum CurlGlobal {
    /// The result of the one `curl_global_init` call (Swift runs a static initialiser once,
    /// atomically, whichever thread gets there first).
    private static let initResult: CURLcode = curl_global_init(Int(CURL_GLOBAL_SSL))

    /// Throws when libcurl could not be initialised.
    static func ensureInitialized() throws {
        let code = initResult
        guard code == CURLE_OK else {
            throw HTTPError.clientSetup(reason: "curl_global_init failed: \(String(cString: curl_easy_strerror(code)))")
        }
    }
}
