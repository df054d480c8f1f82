/// An EC2 key pair (only its public half lives in EC2).
public struct EC2KeyPair: Sendable, Equatable {
    public var name: String
    /// `key-...`, when EC2 reports it.
    public var id: String?
    /// EC2's fingerprint of the key (MD5 or SHA-1 for imported keys, as AWS defines it).
    public var fingerprint: String
    public var tags: [String: String]

    /// Reads an `ImportKeyPair` reply or an `<item>` of a `keySet`.
    init(xml item: XMLTree) {
        name = item.value("keyName") ?? ""
        id = item.value("keyPairId")
        fingerprint = item.value("keyFingerprint") ?? ""
        tags = item.ec2Tags
    }
}
