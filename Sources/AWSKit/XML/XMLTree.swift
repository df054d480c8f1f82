import Foundation

/// One XML element and everything under it: the small, read-only tree that AWS
/// replies are parsed into (see ``XMLTreeParser``).
///
/// Names are compared exactly and namespaces are ignored (`<a:Key>` is `Key`).
/// `text` holds the element's own character data with surrounding whitespace
/// trimmed; child elements are in document order.
public struct XMLTree: Sendable, Equatable {
    /// The element's local name, e.g. `instanceId`.
    public var name: String
    /// The element's character data, trimmed.
    public var text: String
    /// The child elements, in order.
    public var children: [XMLTree]

    public init(name: String, text: String = "", children: [XMLTree] = []) {
        self.name = name
        self.text = text
        self.children = children
    }

    /// Parses `data` (a whole document) into its root element.
    public static func parse(_ data: Data) throws -> XMLTree {
        try XMLTreeParser.parse(data)
    }

    /// The first child named `name`.
    public func child(_ name: String) -> XMLTree? {
        children.first { $0.name == name }
    }

    /// Every child named `name`.
    public func children(_ name: String) -> [XMLTree] {
        children.filter { $0.name == name }
    }

    /// The element at `path` below this one (`["instanceState", "name"]`), following
    /// the first match at each step.
    public func descendant(_ path: [String]) -> XMLTree? {
        var node = self
        for name in path {
            guard let next = node.child(name) else { return nil }
            node = next
        }
        return node
    }

    /// The text of the element at `path`, nil when absent or empty.
    public func value(_ path: String...) -> String? {
        guard let text = descendant(path)?.text, !text.isEmpty else { return nil }
        return text
    }

    /// The `<item>` children of the child named `list`: EC2's way of writing a list
    /// (`<tagSet><item>...</item></tagSet>`). Empty when the list is absent.
    public func items(_ list: String) -> [XMLTree] {
        child(list)?.children("item") ?? []
    }

    /// The first element named `name` anywhere below this one, depth first.
    public func first(named name: String) -> XMLTree? {
        for child in children {
            if child.name == name { return child }
            if let found = child.first(named: name) { return found }
        }
        return nil
    }
}
