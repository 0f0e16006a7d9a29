import MCPClientCore
import MCPClientTransport
import MCPClientTesting
import Testing

extension SSEParser {
    /// `read`, for tests that expect no error: the chunk's events, or its error (then the events are not needed).
    fileprivate mutating func events(_ bytes: [UInt8]) throws(MCPError) -> [SSEEvent] {
        let chunk = read(bytes)
        if let failure = chunk.failure { throw failure }
        return chunk.events
    }
}

/// Parses the whole stream in the given chunk sizes (cycled) and finishes it.
private func parse(_ text: String, chunks: [Int] = [], maxEventBytes: Int = 1 << 20, maxLineBytes: Int? = nil)
    throws(MCPError) -> (events: [SSEEvent], parser: SSEParser)
{
    try parse(Array(text.utf8), chunks: chunks, maxEventBytes: maxEventBytes, maxLineBytes: maxLineBytes)
}

private func parse(_ bytes: [UInt8], chunks: [Int] = [], maxEventBytes: Int = 1 << 20, maxLineBytes: Int? = nil)
    throws(MCPError) -> (events: [SSEEvent], parser: SSEParser)
{
    var parser = SSEParser(maxEventBytes: maxEventBytes, maxLineBytes: maxLineBytes)
    var events: [SSEEvent] = []
    var offset = 0
    var chunkIndex = 0
    while offset < bytes.count {
        let size = chunks.isEmpty ? bytes.count : max(1, chunks[chunkIndex % chunks.count])
        chunkIndex += 1
        let end = min(bytes.count, offset + size)
        events += try parser.events(Array(bytes[offset..<end]))
        offset = end
    }
    parser.finish()
    return (events, parser)
}

private let multiEventStream =
    "\u{FEFF}: keep-alive\r\nretry: 1500\r\nevent: progress\r\ndata: {\"a\":1}\r\ndata:  two\r\nid: 7\r\n\r\n"
    + "data: é ünïcode ✓\rid\r\r" + "data\n\n" + ":x\ndata:last\nevent:done\n\n"

@Suite struct SSEParserTests {
    @Test func dispatchesOnBlankLineWithDefaultTypeAndJoinedData() throws {
        let (events, _) = try parse("data: first\ndata: second\n\ndata:x\n\n")
        #expect(events == [SSEEvent(data: "first\nsecond"), SSEEvent(data: "x")])
    }

    @Test func eventFieldSetsTypeForOneEventOnly() throws {
        let (events, _) = try parse("event: progress\ndata: 1\n\ndata: 2\n\n")
        #expect(events.map(\.type) == ["progress", "message"])
    }

    @Test func acceptsCRLFAndLoneCRAndLoneLFLineEnds() throws {
        let (events, _) = try parse("data: a\r\n\r\ndata: b\r\rdata: c\n\ndata: d\r\n\n")
        #expect(events.map(\.data) == ["a", "b", "c", "d"])
    }

    @Test func crAtChunkEndFollowedByLFIsOneLineEnd() throws {
        var parser = SSEParser(maxEventBytes: 1024)
        let first = try parser.events(Array("data: a\r".utf8))
        // Were the LF a second line end, this would already dispatch "a".
        let second = try parser.events(Array("\ndata: b\r".utf8))
        let third = try parser.events(Array("\n\r".utf8))
        let fourth = try parser.events(Array("\n".utf8))
        #expect(first.isEmpty && second.isEmpty && fourth.isEmpty)
        #expect(third == [SSEEvent(data: "a\nb")])
    }

    @Test func leadingBOMIsSkippedOnceEvenWhenSplit() throws {
        let stream: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("data: x\n\n".utf8)
        let (whole, _) = try parse(stream)
        let (split, _) = try parse(stream, chunks: [1])
        #expect(whole == [SSEEvent(data: "x")])
        #expect(split == whole)
        // A second BOM is content: the field name is then "\u{FEFF}data", which is unknown.
        let (twice, _) = try parse([0xEF, 0xBB, 0xBF] + stream)
        #expect(twice.isEmpty)
    }

    @Test func partialBOMIsOrdinaryContent() throws {
        let (events, _) = try parse([0xEF, 0xBB] + Array("\ndata: y\n\n".utf8))
        #expect(events == [SSEEvent(data: "y")])
    }

    @Test func commentsAreIgnoredButCounted() throws {
        let (events, parser) = try parse(": ping\n:\n: ping\ndata: z\n\n")
        #expect(events == [SSEEvent(data: "z")])
        #expect(parser.commentCount == 3)
    }

    @Test func fieldWithoutColonHasEmptyValue() throws {
        let (events, _) = try parse("data\ndata\n\n")
        #expect(events == [SSEEvent(data: "\n")])
        let (single, _) = try parse("data\n\n")
        #expect(single == [SSEEvent(data: "")])
    }

    @Test func onlyOneLeadingSpaceIsRemoved() throws {
        let (events, _) = try parse("data:  two spaces\nevent:  t\n\n")
        #expect(events == [SSEEvent(type: " t", data: " two spaces")])
    }

    @Test func unknownFieldsAndCaseVariantsAreIgnored() throws {
        let (events, _) = try parse("foo: bar\nData: no\nDATA: no\ndata: yes\n\n")
        #expect(events == [SSEEvent(data: "yes")])
    }

    @Test func blockWithoutDataIsNotDispatchedButIdStillUpdates() throws {
        let (events, parser) = try parse("id: 42\nevent: x\n\ndata: after\n\n")
        #expect(events == [SSEEvent(data: "after", id: "42")])
        #expect(parser.lastEventID == "42")
    }

    @Test func idPersistsAcrossEventsAndEmptyIdResetsIt() throws {
        let (events, parser) = try parse("id: 1\ndata: a\n\ndata: b\n\nid\ndata: c\n\n")
        #expect(events.map(\.id) == ["1", "1", nil])
        #expect(parser.lastEventID == "")
    }

    @Test func idContainingNULIsIgnored() throws {
        let (events, parser) = try parse("id: good\ndata: a\n\nid: b\u{0}ad\ndata: b\n\n")
        #expect(events.map(\.id) == ["good", "good"])
        #expect(parser.lastEventID == "good")
    }

    @Test func retryOnlyWhenAllDigits() throws {
        let (events, parser) = try parse(
            "retry: 3000\ndata: a\n\nretry: 12a\ndata: b\n\nretry: -1\nretry:  5\nretry:\nretry: 99999999999999999999999\ndata: c\n\n")
        #expect(events.map(\.retry) == [3000, nil, nil])
        #expect(parser.reconnectionTime == 3000)
        let (_, later) = try parse("retry: 10\n\nretry: 20\n")
        #expect(later.reconnectionTime == 20)
    }

    @Test func unterminatedEventIsDiscardedAtFinish() throws {
        var parser = SSEParser(maxEventBytes: 1024)
        let events = try parser.events(Array("data: a\n\ndata: partial\n".utf8))
        #expect(events == [SSEEvent(data: "a")])
        let dropped = parser.finish()
        #expect(dropped)
        var clean = SSEParser(maxEventBytes: 1024)
        _ = try clean.events(Array("data: a\n\n".utf8))
        let cleanDropped = clean.finish()
        #expect(!cleanDropped)
    }

    @Test func invalidUTF8BecomesReplacementCharacters() throws {
        let (events, _) = try parse(Array("data: a".utf8) + [0xFF] + Array("b\n\n".utf8))
        #expect(events == [SSEEvent(data: "a\u{FFFD}b")])
    }

    @Test func everyChunkingGivesTheSameEvents() throws {
        let (reference, referenceParser) = try parse(multiEventStream)
        #expect(reference == [
            SSEEvent(type: "progress", data: "{\"a\":1}\n two", id: "7", retry: 1500),
            SSEEvent(data: "é ünïcode ✓", id: nil),
            SSEEvent(data: ""),
            SSEEvent(type: "done", data: "last"),
        ])
        #expect(referenceParser.commentCount == 2)
        let bytes = Array(multiEventStream.utf8)
        // Two chunks split at every offset.
        for offset in 0...bytes.count {
            var parser = SSEParser(maxEventBytes: 1024)
            let events = try parser.events(Array(bytes[..<offset])) + parser.events(Array(bytes[offset...]))
            #expect(events == reference, "split at \(offset)")
        }
        #expect(try parse(bytes, chunks: [1]).events == reference)
        var generator = SeededGenerator(seed: 0x5EED)
        for _ in 0..<200 {
            let sizes = (0..<8).map { _ in Int(generator.next() % 9) + 1 }
            #expect(try parse(bytes, chunks: sizes).events == reference, "chunks \(sizes)")
        }
    }

    @Test func oversizeEventIsRefusedWithReasonAndLimit() throws {
        let error = #expect(throws: MCPError.self) { try parse("data: 12345\ndata: 678\n\n", maxEventBytes: 8) }
        #expect(error?.details["reason"] == "sse_event_too_large")
        #expect(error?.details["limit"] == 8)
        // Exactly at the limit is fine: "12345\n67" is 8 bytes.
        #expect(try parse("data: 12345\ndata: 67\n\n", maxEventBytes: 8).events == [SSEEvent(data: "12345\n67")])
    }

    @Test func endlessLineIsRefusedWithoutWaitingForItsEnd() throws {
        var parser = SSEParser(maxEventBytes: 16, maxLineBytes: 32)
        let error = #expect(throws: MCPError.self) { _ = try parser.events(Array(repeating: UInt8(ascii: "x"), count: 40)) }
        #expect(error?.details["reason"] == "sse_line_too_large")
        // The stream stays broken after an error.
        #expect(throws: MCPError.self) { _ = try parser.events(Array("\n\n".utf8)) }
        var implicit = SSEParser(maxEventBytes: 16)
        #expect(throws: MCPError.self) { _ = try implicit.events(Array(repeating: UInt8(ascii: ":"), count: 23)) }
    }

    /// One read that completes events and then breaks the stream returns both: the events are not lost.
    @Test func eventsCompletedBeforeAnErrorInTheSameChunkAreKept() throws {
        let chunk = Array("data: first\nid: 1\n\ndata: second\n\ndata: 12345678\ndata: 12345678\n\ndata: after\n\n".utf8)
        var parser = SSEParser(maxEventBytes: 16)
        let read = parser.read(chunk)
        #expect(read.events == [SSEEvent(data: "first", id: "1"), SSEEvent(data: "second", id: "1")])
        #expect(read.failure?.details["reason"] == "sse_event_too_large")
        #expect(parser.failure?.details["reason"] == "sse_event_too_large")
        #expect(parser.read(Array("data: x\n\n".utf8)).events.isEmpty)  // broken for good
        // An endless line after an event: the event, then the error.
        var endless = SSEParser(maxEventBytes: 16, maxLineBytes: 24)
        let cut = endless.read(Array("data: kept\n\n".utf8) + Array(repeating: UInt8(ascii: "x"), count: 30))
        #expect(cut.events == [SSEEvent(data: "kept")] && cut.failure?.details["reason"] == "sse_line_too_large")
        #expect(endless.read(Array("\n\n".utf8)).failure?.details["reason"] == "sse_line_too_large")
    }
}
