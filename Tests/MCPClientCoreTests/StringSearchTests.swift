import MCPClientCore
import Testing

@Suite struct StringSearchTests {
    @Test func headerFieldsLoseOptionalWhitespaceAndLineEnds() {
        #expect(ASCII.headerField(Array("Content-Type:  application/json \r\n".utf8))! == ("Content-Type", "application/json"))
        #expect(ASCII.headerField(Array("X-Empty:\r\n".utf8))! == ("X-Empty", ""))
        #expect(ASCII.headerField(Array("Location: http://h:1/a?b=c:d\r\n".utf8))! == ("Location", "http://h:1/a?b=c:d"))
        #expect(ASCII.headerField(Array("X-Name: Zoë\t\r\n".utf8))! == ("X-Name", "Zoë"))
        #expect(ASCII.headerField(Array("no colon here\r\n".utf8)) == nil)
    }

    @Test func trimmingTouchesOnlyASCIIWhitespaceAtTheEnds() {
        #expect(" \t a b \r\n".trimmingASCIIWhitespace() == "a b")
        #expect("\u{A0}x\u{A0}".trimmingASCIIWhitespace() == "\u{A0}x\u{A0}")
        #expect(" \r\n\t".trimmingASCIIWhitespace() == "")
        #expect("é ".trimmingASCIIWhitespace() == "é")
        #expect("[a] "[...].dropFirst().trimmingASCIIWhitespace() == "a]")
    }
}
