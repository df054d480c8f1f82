/// Why a key pair could not be made or written, or a key's public half not found.
/// Messages name the file and say what to do; they never contain key material.
public enum SSHKeyError: Error, Equatable, CustomStringConvertible {
    /// OpenSSL could not generate a key; `reason` is its error.
    case generationFailed(reason: String)
    /// A key comment must fit on the public key line: no line breaks.
    case invalidComment(String)
    /// The private key file already exists; it is never overwritten.
    case fileExists(path: String)
    /// The private key file could not be written.
    case cannotWrite(path: String, reason: String)
    /// The private key file does not exist or cannot be read.
    case cannotRead(path: String)
    /// Neither `path.pub` nor an OpenSSH-format private key file gives the public half.
    case noPublicKey(path: String)
    /// `path.pub` is not a public key line.
    case malformedPublicKey(path: String)
    /// `path.pub` holds another key than the OpenSSH-format private key file at `path`.
    case publicKeyMismatch(path: String)

    public var description: String {
        switch self {
        case .generationFailed(let reason):
            return "could not generate an ed25519 key: \(reason)"
        case .invalidComment(let comment):
            return "the key comment \(comment.debugDescription) has a line break; use a one-line comment"
        case .fileExists(let path):
            return "\(path) already exists; clusterctl does not overwrite key files: move it away or name another file"
        case .cannotWrite(let path, let reason):
            return "could not write the private key file \(path): \(reason)"
        case .cannotRead(let path):
            return "cannot read the private key file \(path): check the path and its permissions"
        case .noPublicKey(let path):
            return "cannot find the public half of the key \(path): \(path).pub does not exist and \(path) is not "
                + "an OpenSSH-format key (-----BEGIN \(OpenSSHKeyFormat.pemLabel)-----), whose header carries it. "
                + "Put its public key line at \(path).pub, e.g. with: ssh-keygen -y -f \(path) > \(path).pub"
        case .malformedPublicKey(let path):
            return "\(path).pub is not an OpenSSH public key line (type base64 [comment]); "
                + "write it again with: ssh-keygen -y -f \(path) > \(path).pub"
        case .publicKeyMismatch(let path):
            return "\(path).pub holds another key than \(path); "
                + "write it again with: ssh-keygen -y -f \(path) > \(path).pub"
        }
    }
}
