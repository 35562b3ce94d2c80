/// Builds one document's node tree from libyaml events, expanding aliases within a budget.
///
/// The tree is built with an explicit stack rather than recursion, and its depth is capped, so
/// no input can exhaust the call stack here or in the recursive code that later walks or frees it.
struct YAMLComposer {
    /// Nodes that aliases may add to the tree before the document counts as an alias bomb.
    static let aliasExpansionBudget = 10_000
    /// Deepest nesting of collections accepted; profiles need four levels.
    static let maximumDepth = 64

    /// A collection being built; a mapping's children alternate key, value.
    private struct Frame {
        var mark: YAMLMark
        var anchor: String?
        var isMapping: Bool
        var children: [YAMLNode] = []
        var size = 1
    }

    private let source: ProfileSource
    private var anchors: [String: (node: YAMLNode, size: Int)] = [:]
    private var stack: [Frame] = []
    private var root: YAMLNode?
    private var expanded = 0

    private init(source: ProfileSource) {
        self.source = source
    }

    /// The root node of the only document in `source`, or nil when the stream holds no content.
    static func compose(_ source: ProfileSource) throws(ProfileError) -> YAMLNode? {
        let parser: LibYAMLParser
        do {
            parser = try LibYAMLParser(bytes: source.text.bytes)
        } catch {
            throw source.syntaxError(error)
        }
        var composer = YAMLComposer(source: source)
        var documents = 0
        while true {
            let event: YAMLEvent
            do {
                event = try parser.next()
            } catch {
                throw source.syntaxError(error)
            }
            switch event {
            case .streamStart, .documentEnd:
                continue
            case .streamEnd:
                return composer.root
            case .documentStart(let mark):
                documents += 1
                if documents > 1 {
                    throw source.error(
                        .syntax,
                        "a profile is one YAML document, but a second one starts here",
                        at: mark
                    )
                }
            case .alias(let anchor, let mark):
                guard let target = composer.anchors[anchor] else {
                    throw source.error(.syntax, "YAML syntax error: found undefined alias \(quoted(anchor))", at: mark)
                }
                composer.expanded += target.size
                if composer.expanded > aliasExpansionBudget {
                    throw source.error(
                        .aliasBomb,
                        "alias expansion exceeds \(aliasExpansionBudget) nodes (a YAML alias bomb?)",
                        at: mark
                    )
                }
                composer.add(target.node, size: target.size, anchor: nil)
            case .scalar(let text, let isPlain, let anchor, let tag, let mark):
                let isPlain = try composer.scalarIsPlain(isPlain, tag: tag, at: mark)
                composer.add(YAMLNode(content: .scalar(text, isPlain: isPlain), mark: mark), size: 1, anchor: anchor)
            case .sequenceStart(let anchor, let tag, let mark):
                try composer.checkCollectionTag(tag, expected: "tag:yaml.org,2002:seq", at: mark)
                try composer.push(Frame(mark: mark, anchor: anchor, isMapping: false), at: mark)
            case .mappingStart(let anchor, let tag, let mark):
                try composer.checkCollectionTag(tag, expected: "tag:yaml.org,2002:map", at: mark)
                try composer.push(Frame(mark: mark, anchor: anchor, isMapping: true), at: mark)
            case .sequenceEnd, .mappingEnd:
                composer.pop()
            }
        }
    }

    private mutating func push(_ frame: Frame, at mark: YAMLMark) throws(ProfileError) {
        guard stack.count < Self.maximumDepth else {
            throw source.error(.syntax, "YAML nesting is deeper than \(Self.maximumDepth) levels", at: mark)
        }
        stack.append(frame)
    }

    private mutating func pop() {
        // libyaml pairs every end event with a start event, so the stack is never empty here.
        guard let frame = stack.popLast() else { return }
        let content: YAMLNode.Content
        if frame.isMapping {
            content = .mapping(
                stride(from: 0, to: frame.children.count - 1, by: 2).map { index in
                    YAMLNode.Pair(key: frame.children[index], value: frame.children[index + 1])
                }
            )
        } else {
            content = .sequence(frame.children)
        }
        add(YAMLNode(content: content, mark: frame.mark), size: frame.size, anchor: frame.anchor)
    }

    /// Attaches a finished node to the collection being built, or makes it the root.
    private mutating func add(_ node: YAMLNode, size: Int, anchor: String?) {
        if let anchor {
            anchors[anchor] = (node, size)
        }
        guard !stack.isEmpty else {
            root = node
            return
        }
        stack[stack.count - 1].children.append(node)
        stack[stack.count - 1].size += size
    }

    /// Whether a scalar's type follows from its text; only the core schema's tags are understood.
    private func scalarIsPlain(_ isPlain: Bool, tag: String?, at mark: YAMLMark) throws(ProfileError) -> Bool {
        switch tag {
        case nil: return isPlain
        case "!", "tag:yaml.org,2002:str": return false
        case "tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null":
            return true
        case let tag?: throw unsupportedTag(tag, at: mark)
        }
    }

    private func checkCollectionTag(_ tag: String?, expected: String, at mark: YAMLMark) throws(ProfileError) {
        if let tag, tag != expected {
            throw unsupportedTag(tag, at: mark)
        }
    }

    private func unsupportedTag(_ tag: String, at mark: YAMLMark) -> ProfileError {
        let shown = tag.hasPrefix("tag:yaml.org,2002:") ? "!!" + tag.dropFirst("tag:yaml.org,2002:".count) : tag
        return source.error(.syntax, "unsupported YAML tag \(quoted(shown)); profiles use untagged YAML", at: mark)
    }
}
