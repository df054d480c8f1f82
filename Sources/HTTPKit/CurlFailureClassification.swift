import CCurl

extension TransportFailure {
    /// Classifies a failed `curl_easy_perform` result.
    init(code: CURLcode, host: String, message: String) {
        let (kind, transient) = Self.classify(code)
        self.init(kind: kind, host: host, curlCode: Int(code.rawValue), message: message, isTransient: transient)
    }

    private static func classify(_ code: CURLcode) -> (Kind, Bool) {
        switch code {
        case CURLE_COULDNT_CONNECT:
            return (.cannotConnect, true)
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            return (.nameResolution, true)
        case CURLE_OPERATION_TIMEDOUT:
            return (.timedOut, true)
        case CURLE_SSL_CONNECT_ERROR:
            // A handshake that broke off (often a reset mid-handshake).
            return (.tls, true)
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
             CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_ENGINE_SETFAILED,
             CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CRL_BADFILE,
             CURLE_SSL_ISSUER_ERROR, CURLE_SSL_CLIENTCERT:
            return (.tls, false)
        case CURLE_GOT_NOTHING, CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_PARTIAL_FILE,
             CURLE_HTTP2, CURLE_HTTP2_STREAM, CURLE_HTTP3, CURLE_QUIC_CONNECT_ERROR:
            return (.connectionLost, true)
        default:
            return (.other, false)
        }
    }
}
