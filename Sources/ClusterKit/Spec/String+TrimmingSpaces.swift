extension String {
    /// The string without leading and trailing spaces (ASCII space only, as YAML-lite values have).
    func trimmingSpaces() -> String {
        var slice = Substring(self)
        while slice.first == " " { slice.removeFirst() }
        while slice.last == " " { slice.removeLast() }
        return String(slice)
    }
}
