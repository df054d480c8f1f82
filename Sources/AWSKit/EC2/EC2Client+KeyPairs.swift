import Foundation

extension EC2Client {
    /// Imports a public key (one OpenSSH line, `ssh-ed25519 AAAA... comment`) as key pair `name`.
    public func importKeyPair(name: String, publicKey: String, tags: [String: String] = [:]) throws -> EC2KeyPair {
        var parameters = QueryParameters()
        parameters.add("KeyName", name)
        parameters.add("PublicKeyMaterial", Data(publicKey.utf8).base64EncodedString())
        parameters.addTagSpecifications(["key-pair"], tags)
        return EC2KeyPair(xml: try call("ImportKeyPair", parameters))
    }

    /// Deletes key pair `name`; deleting one that does not exist succeeds, as in EC2.
    public func deleteKeyPair(name: String) throws {
        var parameters = QueryParameters()
        parameters.add("KeyName", name)
        _ = try call("DeleteKeyPair", parameters)
    }

    /// The key pairs named `names` (all when empty) that match `filters`. EC2 answers
    /// `InvalidKeyPair.NotFound` when a named one does not exist.
    public func describeKeyPairs(names: [String] = [], filters: [EC2Filter] = []) throws -> [EC2KeyPair] {
        var parameters = QueryParameters()
        parameters.addList("KeyName", names)
        parameters.addFilters(filters)
        return try call("DescribeKeyPairs", parameters).items("keySet").map(EC2KeyPair.init(xml:))
    }
}
