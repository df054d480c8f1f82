extension SharedProfile: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The profile name and file paths: never the settings, which hold the secret key.
    public var description: String {
        "SharedProfile(name: \(name), credentials: \(display(credentialsPath)), config: \(display(configPath)))"
    }
    public var debugDescription: String { description }

    /// What `dump` and `Mirror` show: the same fields as `description`.
    public var customMirror: Mirror {
        Mirror(self, children: ["name": name, "credentialsPath": display(credentialsPath),
                                "configPath": display(configPath)], displayStyle: .struct)
    }
}
