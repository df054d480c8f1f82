import Foundation

/// Who runs clusterctl and where their home is: the defaults for `user` and `~`.
enum LocalUser {
    /// `$USER`, else the password database entry of the effective user.
    static var name: String {
        if let user = ProcessInfo.processInfo.environment["USER"], !user.isEmpty { return user }
        if let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name { return String(cString: name) }
        return "root"
    }

    /// `$HOME`, else the password database entry of the effective user.
    static var home: String {
        if let home = ProcessInfo.processInfo.environment["HOME"], !home.isEmpty { return home }
        if let entry = getpwuid(geteuid()), let dir = entry.pointee.pw_dir { return String(cString: dir) }
        return "/"
    }

    /// `path` made absolute: `~` and `~/...` expand to the home directory, a relative
    /// path is taken from `directory` (the cluster file's directory).
    static func absolutePath(_ path: String, relativeTo directory: String) -> String {
        let expanded: String
        if path == "~" {
            expanded = home
        } else if path.hasPrefix("~/") {
            expanded = (home as NSString).appendingPathComponent(String(path.dropFirst(2)))
        } else if path.hasPrefix("/") {
            expanded = path
        } else {
            expanded = (directory as NSString).appendingPathComponent(path)
        }
        return URL(fileURLWithPath: expanded).standardized.path
    }
}
