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

    @Test func trimmingTouchesOnlyASCIIWhitespaceAtTheEnds() {
        #expect(" \t a b \r\n".trimmingASCIIWhitespace() == "a b")
        #expect("\u{A0}x\u{A0}".trimmingASCIIWhitespace() == "\u{A0}x\u{A0}")
        #expect(" \r\n\t".trimmingASCIIWhitespace() == "")
        #expect("é ".trimmingASCIIWhitespace() == "é")
        #expect("[a] "[...].dropFirst().trimmingASCIIWhitespace() == "a]")
    }
}
