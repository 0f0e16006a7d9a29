/// The backtracking machine's instructions. Slots hold positions: capture group n uses slots 2(n-1) and 2(n-1)+1;
/// slots after the captures remember where a loop iteration began (for the empty-iteration check).
enum RegexInstruction: Sendable {
    case scalar(UInt32)
    case anyButNewline
    case characterClass(Int)
    /// Try `preferred` first; on failure come back and try `alternative`.
    case split(preferred: Int, alternative: Int)
    case jump(Int)
    case save(slot: Int)
    /// Unset these slots: a quantified group's captures are reset on every iteration (ECMA-262 RepeatMatcher).
    case clear(slots: ClosedRange<Int>)
    /// Fail if the iteration that began at the position in `slot` consumed nothing (stops `(a*)*` looping forever).
    case requireProgress(slot: Int)
    case startAnchor
    case endAnchor
    case wordBoundary(negated: Bool)
    case backreference(group: Int)
    /// Run the body (which starts at the next instruction and ends with `.lookaheadSucceeded`) as its own search,
    /// then continue at `continuation`.
    case lookahead(negated: Bool, continuation: Int)
    case lookaheadSucceeded
    case match
}

/// Turns the syntax tree into instructions. Counted repetition is unrolled, so the program size is capped.
struct RegexEmitter {
    static let maxInstructions = 20_000
    static let classLookback = 64

    private(set) var instructions: [RegexInstruction] = []
    private(set) var classes: [RegexCharacterClass] = []
    private(set) var slotCount: Int

    init(groupCount: Int) { slotCount = groupCount * 2 }

    mutating func emitProgram(_ root: RegexNode) throws(SchemaRegexError) {
        try emit(root)
        try append(.match)
    }

    private mutating func append(_ instruction: RegexInstruction) throws(SchemaRegexError) {
        guard instructions.count < Self.maxInstructions else {
            throw SchemaRegexError(reason: "pattern is too large once its counted repetitions are expanded")
        }
        instructions.append(instruction)
    }

    private mutating func emit(_ node: RegexNode) throws(SchemaRegexError) {
        switch node {
        case .empty: break
        case .scalar(let value): try append(.scalar(value))
        case .anyButNewline: try append(.anyButNewline)
        case .characterClass(let set):
            // Repeated classes (from unrolling) share one entry; the search is bounded so it stays linear.
            if let index = classes.suffix(Self.classLookback).firstIndex(of: set) {
                try append(.characterClass(index))
            } else {
                classes.append(set)
                try append(.characterClass(classes.count - 1))
            }
        case .sequence(let items): for item in items { try emit(item) }
        case .alternation(let branches): try emitAlternation(branches)
        case .group(let inner, let capture):
            guard let capture else { return try emit(inner) }
            try append(.save(slot: 2 * (capture - 1)))
            try emit(inner)
            try append(.save(slot: 2 * (capture - 1) + 1))
        case .repetition(let inner, let min, let max, let greedy): try emitRepetition(inner, min: min, max: max, greedy: greedy)
        case .startAnchor: try append(.startAnchor)
        case .endAnchor: try append(.endAnchor)
        case .wordBoundary(let negated): try append(.wordBoundary(negated: negated))
        case .backreference(let group): try append(.backreference(group: group))
        case .lookahead(let inner, let negated):
            let start = instructions.count
            try append(.lookahead(negated: negated, continuation: -1))
            try emit(inner)
            try append(.lookaheadSucceeded)
            instructions[start] = .lookahead(negated: negated, continuation: instructions.count)
        }
    }

    /// a|b|c: split(a, next) … each branch jumps to the common end.
    private mutating func emitAlternation(_ branches: [RegexNode]) throws(SchemaRegexError) {
        var jumpsToEnd: [Int] = []
        for (index, branch) in branches.enumerated() {
            let isLast = index == branches.count - 1
            let split = instructions.count
            if !isLast { try append(.split(preferred: split + 1, alternative: -1)) }
            try emit(branch)
            if !isLast {
                jumpsToEnd.append(instructions.count)
                try append(.jump(-1))
                instructions[split] = .split(preferred: split + 1, alternative: instructions.count)
            }
        }
        for jump in jumpsToEnd { instructions[jump] = .jump(instructions.count) }
    }

    private mutating func emitRepetition(_ inner: RegexNode, min: Int, max: Int?, greedy: Bool) throws(SchemaRegexError) {
        let captures = inner.captureRange.map { 2 * ($0.lowerBound - 1)...(2 * $0.upperBound - 1) }
        // Only iterations beyond the minimum may not be empty; a progress slot is needed only if the body can be.
        let progressSlot: Int? = inner.canMatchEmpty ? slotCount : nil
        if progressSlot != nil { slotCount += 1 }

        func iteration(_ emitter: inout RegexEmitter, optional: Bool) throws(SchemaRegexError) {
            if optional, let progressSlot { try emitter.append(.save(slot: progressSlot)) }
            if let captures { try emitter.append(.clear(slots: captures)) }
            try emitter.emit(inner)
            if optional, let progressSlot { try emitter.append(.requireProgress(slot: progressSlot)) }
        }
        func split(at index: Int, body: Int, exit: Int) -> RegexInstruction {
            greedy ? .split(preferred: body, alternative: exit) : .split(preferred: exit, alternative: body)
        }

        for _ in 0..<min {
            let before = instructions.count
            try iteration(&self, optional: false)
            // A body that emits nothing (x{0}, (?:)) would be "unrolled" min times for nothing: 10^18 loops nested.
            if instructions.count == before { break }
        }
        if let max {
            // x{0,3} is (x(x(x)?)?)?: every split exits to the same end.
            var splits: [Int] = []
            for _ in min..<max {
                splits.append(instructions.count)
                try append(.jump(-1))  // placeholder for the split
                try iteration(&self, optional: true)
            }
            for index in splits { instructions[index] = split(at: index, body: index + 1, exit: instructions.count) }
        } else {
            let loop = instructions.count
            try append(.jump(-1))  // placeholder for the split
            try iteration(&self, optional: true)
            try append(.jump(loop))
            instructions[loop] = split(at: loop, body: loop + 1, exit: instructions.count)
        }
    }
}
