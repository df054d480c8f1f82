extension CredentialChain: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// `CredentialChain(profile: ...)`: never the environment it reads, which may hold
    /// `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`.
    public var description: String { "CredentialChain(profile: \(profile ?? "from environment"))" }
    public var debugDescription: String { description }

    /// What `dump` and `Mirror` show: the profile only.
    public var customMirror: Mirror {
        Mirror(self, children: ["profile": profile ?? "from environment"], displayStyle: .class)
    }
}
