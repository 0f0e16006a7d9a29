/// Columns (1-based, in Unicode scalars) for byte offsets in O(1): the number of UTF-8 continuation bytes before
/// every 64-byte block is kept, so a column never costs a scan from the start of a (possibly megabytes long) line.
struct ColumnIndex {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var continuationsBeforeBlock: [Int32] = []
    private var ascii = true

    init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
        guard bytes.contains(where: { $0 >= 0x80 }) else { return }
        var running: Int32 = 0
        var blocks: [Int32] = []
        for index in 0..<bytes.count {
            if index & 63 == 0 { blocks.append(running) }
            if bytes[index] & 0xC0 == 0x80 { running &+= 1 }
        }
        blocks.append(running)
        if running > 0 {
            ascii = false
            continuationsBeforeBlock = blocks
        }
    }

    private func continuations(before offset: Int) -> Int {
        let block = offset >> 6
        var count = Int(continuationsBeforeBlock[min(block, continuationsBeforeBlock.count - 1)])
        var index = block << 6
        while index < offset, index < bytes.count {
            if bytes[index] & 0xC0 == 0x80 { count += 1 }
            index += 1
        }
        return count
    }

    func column(of offset: Int, lineStart: Int) -> Int {
        let offset = min(max(offset, 0), bytes.count)
        let lineStart = min(max(lineStart, 0), offset)
        if ascii { return offset - lineStart + 1 }
        return offset - lineStart - (continuations(before: offset) - continuations(before: lineStart)) + 1
    }
}
