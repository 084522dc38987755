import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// A parsed XML document as a tree of elements, enough to read AWS Query API answers.
public final class XMLElementTree: Sendable {
    public let name: String
    public let text: String
    public let children: [XMLElementTree]

    init(name: String, text: String, children: [XMLElementTree]) {
        self.name = name
        self.text = text
        self.children = children
    }

    /// The first child named `name`.
    public func child(_ name: String) -> XMLElementTree? { children.first { $0.name == name } }

    /// The text of the first child named `name`, trimmed.
    public func string(_ name: String) -> String? { child(name)?.text.trimmingCharacters(in: .whitespacesAndNewlines) }

    /// Follows a path of child names (`instancesSet`, `item`).
    public func path(_ names: String...) -> XMLElementTree? {
        var node: XMLElementTree? = self
        for name in names { node = node?.child(name) }
        return node
    }

    /// The `item` children of the child named `name` (the Query API's lists).
    public func items(_ name: String) -> [XMLElementTree] { child(name)?.children.filter { $0.name == "item" } ?? [] }

    /// Every element named `name` in this tree, depth first.
    public func descendants(_ name: String) -> [XMLElementTree] {
        (self.name == name ? [self] : []) + children.flatMap { $0.descendants(name) }
    }

    /// Parses `data`; throws naming the line of the first error.
    public static func parse(_ data: [UInt8]) throws -> XMLElementTree {
        let builder = Builder()
        let parser = XMLParser(data: Data(data))
        parser.delegate = builder
        guard parser.parse(), let root = builder.root else {
            throw XMLParseError(
                line: parser.lineNumber,
                problem: parser.parserError.map { "\($0.localizedDescription)" } ?? "no root element")
        }
        return root
    }

    private final class Builder: NSObject, XMLParserDelegate {
        private var stack: [(name: String, text: String, children: [XMLElementTree])] = []
        var root: XMLElementTree?

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
            stack.append((name, "", []))
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            guard !stack.isEmpty else { return }
            stack[stack.count - 1].text += string
        }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            guard let top = stack.popLast() else { return }
            let element = XMLElementTree(name: top.name, text: top.text, children: top.children)
            if stack.isEmpty { root = element } else { stack[stack.count - 1].children.append(element) }
        }
    }
}

/// XML that could not be parsed.
public struct XMLParseError: Error, Sendable, CustomStringConvertible {
    public var line: Int
    public var problem: String
    public var description: String { "malformed XML at line \(line): \(problem)" }
}
