/// Why a pattern cannot be compiled: a syntax error, or a construct outside the supported subset.
struct SchemaRegexError: Error, Sendable, Equatable {
    let reason: String
}

/// A JSON Schema `pattern`: the ECMA-262 subset schemas use, matched on code points by a backtracking machine
/// whose every step is charged to a caller-supplied budget, so a hostile pattern (`^(a+)+$`) cannot hang the
/// caller. Compiled once into an immutable program; safe to share across threads.
///
/// Supported: literals, `.`, `[...]` / `[^...]` with ranges, `\d \D \w \W \s \S` (ASCII `\d` `\w` as ECMA-262),
/// `\p{…}` / `\P{…}` for general categories and a few binary properties, escapes `\t \n \v \f \r \0 \cX \xHH
/// \uHHHH \u{…}` and punctuation, `^ $ \b \B`, groups `( )` `(?: )` `(?<name> )`, `|`, `* + ? {n} {n,} {n,m}` and
/// their lazy forms, backreferences `\1` `\k<name>`, lookahead `(?= )` `(?! )`. Not supported: lookbehind, flags,
/// scripts and other Unicode properties, octal escapes.
struct SchemaRegex: Sendable {
    let source: String
    private let instructions: [RegexInstruction]
    private let classes: [RegexCharacterClass]
    private let slotCount: Int
    /// Every match starts at 0, so the search tries only there.
    private let anchoredAtStart: Bool

    /// Instructions in the compiled program (its memory is about 24 bytes each).
    var size: Int { instructions.count }

    init(_ source: String) throws(SchemaRegexError) {
        var parser = RegexParser(source)
        let root = try parser.parse()
        var emitter = RegexEmitter(groupCount: parser.groupCount)
        try emitter.emitProgram(root)
        self.source = source
        instructions = emitter.instructions
        classes = emitter.classes
        slotCount = emitter.slotCount
        anchoredAtStart = root.isAnchoredAtStart
    }

    /// Whether the pattern matches anywhere in `text` (JSON Schema's unanchored search); nil when `budget` ran out
    /// first. Each instruction executed and each backtrack costs one unit.
    func firstMatch(in text: String.UnicodeScalarView, budget: inout Int) -> Bool? {
        let scalars = text.map(\.value)
        var machine = RegexMachine(program: self, text: scalars)
        let lastStart = anchoredAtStart ? 0 : scalars.count
        for start in 0...lastStart {
            guard budget > 0 else { return nil }
            budget -= 1
            guard let found = machine.run(from: 0, at: start, budget: &budget) else { return nil }
            if found { return true }
        }
        return false
    }

    /// The backtracking machine over one subject string. Lookahead bodies run as nested searches (their depth is
    /// bounded by the pattern's nesting, never by the input).
    private struct RegexMachine {
        let program: SchemaRegex
        let text: [UInt32]
        var slots: [Int]

        init(program: SchemaRegex, text: [UInt32]) {
            self.program = program
            self.text = text
            slots = Array(repeating: -1, count: program.slotCount)
        }

        private enum Backtrack {
            case resume(instruction: Int, position: Int)
            case restore(slot: Int, value: Int)
        }

        /// Runs from `start` at `position` until `.match` or `.lookaheadSucceeded` (true), exhausted alternatives
        /// (false), or the budget (nil). Slots are left as the successful path set them, or restored on failure.
        mutating func run(from start: Int, at position: Int, budget: inout Int) -> Bool? {
            var stack: [Backtrack] = []
            var pc = start
            var position = position
            let instructions = program.instructions
            while true {
                budget -= 1
                if budget < 0 { return nil }
                var failed = false
                switch instructions[pc] {
                case .scalar(let value):
                    if position < text.count && text[position] == value { position += 1; pc += 1 } else { failed = true }
                case .anyButNewline:
                    if position < text.count && !RegexScalars.isLineTerminator(text[position]) { position += 1; pc += 1 } else { failed = true }
                case .characterClass(let index):
                    if position < text.count && program.classes[index].contains(text[position]) { position += 1; pc += 1 } else { failed = true }
                case .split(let preferred, let alternative):
                    stack.append(.resume(instruction: alternative, position: position))
                    pc = preferred
                case .jump(let target): pc = target
                case .save(let slot):
                    stack.append(.restore(slot: slot, value: slots[slot]))
                    slots[slot] = position
                    pc += 1
                case .clear(let range):
                    for slot in range where slots[slot] != -1 {
                        stack.append(.restore(slot: slot, value: slots[slot]))
                        slots[slot] = -1
                    }
                    pc += 1
                case .requireProgress(let slot):
                    if slots[slot] == position { failed = true } else { pc += 1 }
                case .startAnchor:
                    if position == 0 { pc += 1 } else { failed = true }
                case .endAnchor:
                    if position == text.count { pc += 1 } else { failed = true }
                case .wordBoundary(let negated):
                    let before = position > 0 && RegexScalars.isWord(text[position - 1])
                    let after = position < text.count && RegexScalars.isWord(text[position])
                    if (before != after) != negated { pc += 1 } else { failed = true }
                case .backreference(let group):
                    guard let end = matchBackreference(group, at: position, budget: &budget) else { return nil }
                    if end >= 0 { position = end; pc += 1 } else { failed = true }
                case .lookahead(let negated, let continuation):
                    let saved = slots
                    guard let found = run(from: pc + 1, at: position, budget: &budget) else { return nil }
                    if found && !negated {
                        // Keep the body's captures (ECMA-262), undoable like any other slot write.
                        for slot in slots.indices where slots[slot] != saved[slot] { stack.append(.restore(slot: slot, value: saved[slot])) }
                        pc = continuation
                    } else {
                        slots = saved
                        if found == negated { failed = true } else { pc = continuation }
                    }
                case .lookaheadSucceeded, .match:
                    return true
                }
                guard failed else { continue }
                // Undo slot writes back to the most recent alternative, then take it.
                var resumed = false
                while let entry = stack.popLast() {
                    switch entry {
                    case .restore(let slot, let value): slots[slot] = value
                    case .resume(let instruction, let at):
                        pc = instruction
                        position = at
                        resumed = true
                    }
                    if resumed { break }
                }
                if !resumed { return false }
            }
        }

        /// The position after the group's text repeated at `position`, -1 if it is not there (an unset group
        /// matches empty), nil if the budget ran out comparing.
        private func matchBackreference(_ group: Int, at position: Int, budget: inout Int) -> Int? {
            let start = slots[2 * (group - 1)], end = slots[2 * (group - 1) + 1]
            guard start >= 0, end >= start else { return position }
            let length = end - start
            budget -= length
            if budget < 0 { return nil }
            guard position + length <= text.count else { return -1 }
            for offset in 0..<length where text[start + offset] != text[position + offset] { return -1 }
            return position + length
        }
    }
}
