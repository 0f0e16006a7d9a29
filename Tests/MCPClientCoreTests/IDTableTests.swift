import Testing
@testable import MCPClientCore
import MCPClientTesting

@Suite struct IDTableTests {
    /// Random inserts, replacements and removals against a Dictionary, with keys chosen to collide often (a small key
    /// range in a small table), so runs wrap around the end and removals shift entries back.
    @Test func behavesLikeADictionaryUnderChurn() {
        var generator = SeededGenerator(seed: 7)
        for range in [4, 16, 64, 1_000] {
            var table = IDTable<Int64, Int>()
            var model: [Int64: Int] = [:]
            for step in 0..<4_000 {
                let key = Int64(generator.next() % UInt64(range)) - Int64(range / 2)
                switch generator.next() % 3 {
                case 0, 1:
                    table[key] = step
                    model[key] = step
                default:
                    #expect(table.removeValue(forKey: key) == model.removeValue(forKey: key))
                }
                #expect(table.count == model.count)
                if step % 97 == 0 {
                    for probe in Int64(-range)...Int64(range) { #expect(table[probe] == model[probe]) }
                    #expect(table.values.sorted() == model.values.sorted())
                }
            }
        }
    }

    /// Keys that all want the last slot of an eight-slot table wrap around to its start; removing one there must
    /// pull the later ones back across the end, or they can no longer be found.
    @Test func removalShiftsARunThatWrapsAroundTheEnd() {
        let colliding = (Int64(0)..<10_000).filter { IDTable<Int64, Int>.home($0, 7) == 7 }.prefix(5)
        #expect(colliding.count == 5)
        for removed in colliding {
            var table = IDTable<Int64, Int>()
            for key in colliding { table[key] = Int(key) }
            #expect(table.removeValue(forKey: removed) == Int(removed))
            for key in colliding { #expect(table[key] == (key == removed ? nil : Int(key))) }
        }
    }

    @Test func modifyChangesInPlaceAndMissesAbsentKeys() {
        var table: IDTable<UInt64, [String]> = [1: ["a"], 2: ["b"]]
        #expect(table.modify(1) { $0.append("c"); return $0.count } == 2)
        #expect(table[1] == ["a", "c"])
        #expect(table.modify(3) { $0.append("x") } == nil)
        #expect(table[3] == nil && table.count == 2)
        table[2] = nil
        #expect(table.count == 1 && table[2] == nil)
        table.removeAll()
        #expect(table.isEmpty && table[1] == nil)
    }

    @Test func valuesAreReleasedWhenRemoved() {
        final class Token {}
        weak var probe: Token?
        var table = IDTable<Int64, Token>()
        do {
            let token = Token()
            probe = token
            table[5] = token
        }
        #expect(probe != nil)
        table.removeValue(forKey: 5)
        #expect(probe == nil)
    }
}
