/// Substring search without the standard library's `_StringProcessing` (`firstRange(of:)`, `contains(_:)` with a
/// string, `replacing`, `split(separator:)` with a string): using any of those links that whole library (and its
/// Unicode tables) into the self-contained `.so`, about 1.5 MB.
extension StringProtocol {
    /// The first occurrence of `needle`, compared by Unicode scalars.
    public func range(ofLiteral needle: some StringProtocol) -> Range<Index>? {
        let pattern = Array(needle.unicodeScalars)
        guard let first = pattern.first else { return startIndex..<startIndex }
        var index = startIndex
        while index < endIndex {
            if unicodeScalars[index] == first {
                var candidate = index
                var matched = 0
                while matched < pattern.count, candidate < endIndex, unicodeScalars[candidate] == pattern[matched] {
                    candidate = unicodeScalars.index(after: candidate)
                    matched += 1
                }
                if matched == pattern.count { return index..<candidate }
            }
            index = unicodeScalars.index(after: index)
        }
        return nil
    }

    public func containsLiteral(_ needle: some StringProtocol) -> Bool { range(ofLiteral: needle) != nil }

    public func replacingLiteral(_ target: some StringProtocol, with replacement: String) -> String {
        var result = ""
        var rest = self[...]
        while let found = rest.range(ofLiteral: target), !found.isEmpty {
            result += rest[..<found.lowerBound] + replacement
            rest = rest[found.upperBound...]
        }
        return result + rest
    }

    /// Pieces between occurrences of `separator` (empty pieces kept).
    public func components(separatedByLiteral separator: some StringProtocol) -> [SubSequence] {
        var pieces: [SubSequence] = []
        var rest = self[...]
        while let found = rest.range(ofLiteral: separator), !found.isEmpty {
            pieces.append(self[rest.startIndex..<found.lowerBound])
            rest = rest[found.upperBound...]
        }
        pieces.append(self[rest.startIndex...])
        return pieces
    }
}
