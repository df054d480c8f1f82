import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Builds an ``XMLTree`` with Foundation's event-driven `XMLParser`.
///
/// External entities are not resolved, so a reply cannot make the parser read files.
final class XMLTreeParser: NSObject, XMLParserDelegate {
    /// Elements opened but not yet closed; the first is the root.
    private var stack: [XMLTree] = []
    private var textStack: [String] = []
    private var root: XMLTree?

    /// Parses a whole document; throws ``XMLTreeError`` when it is not well-formed XML.
    static func parse(_ data: Data) throws -> XMLTree {
        let delegate = XMLTreeParser()
        let parser = XMLParser(data: data)
        parser.shouldResolveExternalEntities = false
        parser.shouldProcessNamespaces = false
        parser.delegate = delegate
        guard parser.parse(), let root = delegate.root else {
            let reason = parser.parserError.map { "\($0.localizedDescription)" } ?? "no root element"
            throw XMLTreeError.malformed(reason: reason, line: parser.lineNumber)
        }
        return root
    }

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
        let local = elementName.split(separator: ":").last.map(String.init) ?? elementName
        stack.append(XMLTree(name: local))
        textStack.append("")
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        guard !textStack.isEmpty else { return }
        textStack[textStack.count - 1] += string
    }

    func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
        guard !textStack.isEmpty else { return }
        textStack[textStack.count - 1] += String(decoding: CDATABlock, as: UTF8.self)
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?,
                qualifiedName qName: String?) {
        guard var element = stack.popLast(), let text = textStack.popLast() else { return }
        element.text = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if stack.isEmpty {
            root = element
        } else {
            stack[stack.count - 1].children.append(element)
        }
    }
}

/// A reply that is not well-formed XML.
public enum XMLTreeError: Error, Equatable, CustomStringConvertible {
    case malformed(reason: String, line: Int)

    public var description: String {
        switch self {
        case .malformed(let reason, let line):
            return "the reply is not well-formed XML (line \(line)): \(reason)"
        }
    }
}
