import MCPClientCore
import Testing

@Suite struct StringSearchTests {
    @Test func headerFieldsLoseOptionalWhitespaceAndLineEnds() {
        #expect(ASCII.headerField(("Content-Type:  application/json \r\n"))! == ("Content-Type", "application/json"))
        #expect(ASCII.headerField(("X-Empty:\r\n"))! == ("X-Empty", ""))
        #expect(ASCII.headerField(("Location: http://h:1/a?b=c:d\r\n"))! == ("Location", "http://h:1/a?b=c:d"))
        #expect(ASCII.headerField(("X-Name: Zoë\t\r\n"))! == ("X-Name", "Zoë"))
        #expect(ASCII.headerField(("no colon here\r\n")) == nil)
    }

    @Test func headerNamesAreMatchedAsHeaderFieldWouldReadThem() {
        let names: [StaticString] = ["content-type", "location"]
        func matches(_ line: String) -> Bool {
            var line = line
            return line.withUTF8 { ASCII.headerName(of: UnsafeRawBufferPointer($0), isOneOf: names) }
        }
        #expect(matches("Content-Type: application/json\r\n"))
        #expect(matches("LOCATION : http://h/a\r\n"))
        #expect(matches(" location:x"))
        #expect(!matches("Content-Length: 5\r\n"))
        #expect(!matches("content-typ: x"))
        #expect(!matches("content-types: x"))
        #expect(!matches("location\r\n"))  // no colon: not a field
        #expect(!matches("HTTP/1.1 200 OK\r\n"))
    }

    @Test func trimmingTouchesOnlyASCIIWhitespaceAtTheEnds() {
        #expect(" \t a b \r\n".trimmingASCIIWhitespace() == "a b")
        #expect("\u{A0}x\u{A0}".trimmingASCIIWhitespace() == "\u{A0}x\u{A0}")
        #expect(" \r\n\t".trimmingASCIIWhitespace() == "")
        #expect("é ".trimmingASCIIWhitespace() == "é")
        #expect("[a] "[...].dropFirst().trimmingASCIIWhitespace() == "a]")
    }
}

@Suite struct HeaderLookupTests {
    @Test func namesMatchIgnoringASCIICaseOnly() {
        let headers = [(name: "Content-Type", value: "a"), (name: "X-One", value: "1"), (name: "content-type", value: "b")]
        #expect(ASCII.header("content-type", in: headers) == "b")  // the last one wins
        #expect(ASCII.header("x-one", in: headers) == "1")
        #expect(ASCII.header("x-on", in: headers) == nil)
        #expect(ASCII.equalsIgnoringCase("MCP-Session-Id", "mcp-session-id"))
        #expect(!ASCII.equalsIgnoringCase("Ä", "ä"))  // HTTP names are ASCII; nothing else folds
        #expect(!ASCII.equalsIgnoringCase("[", "{"))   // 0x5B is not a letter
    }
}
