import OpenSSLKit
import Foundation
import Testing

@Suite("SHA-256 and HMAC-SHA256 on OpenSSL")
struct CryptoTests {
    @Test func sha256KnownAnswers() {
        #expect(Crypto.sha256Hex(Data()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(Crypto.sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Crypto.sha256(Data("abc".utf8)).count == 32)
    }

    /// RFC 4231 test cases 1 and 2.
    @Test func hmacKnownAnswers() {
        let case1 = Crypto.hmacSHA256(key: [UInt8](repeating: 0x0b, count: 20), message: "Hi There")
        #expect(Crypto.hex(case1) == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        let case2 = Crypto.hmacSHA256(key: Array("Jefe".utf8), message: "what do ya want for nothing?")
        #expect(Crypto.hex(case2) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }
}
