import MCPClientCore
import MCPClientProtocol
import Testing

/// The variables of RFC 6570 §3.2.
private let rfcVariables: JSONObject = [
    "count": ["one", "two", "three"],
    "dom": ["example", "com"],
    "dub": "me/too",
    "hello": "Hello World!",
    "half": "50%",
    "var": "value",
    "who": "fred",
    "base": "http://example.com/home/",
    "path": "/foo/bar",
    "list": ["red", "green", "blue"],
    "keys": ["semi": ";", "dot": ".", "comma": ","],
    "v": "6",
    "x": "1024",
    "y": "768",
    "empty": "",
    "empty_keys": [:],
    "undef": nil,
]

private func expand(_ template: String, _ variables: JSONObject = rfcVariables) throws -> String {
    try URITemplate(template).expand(variables)
}

@Suite struct URITemplateExpansionTests {
    // RFC 6570 §3.2.1 – §3.2.9, every example, as (template, expected expansion).
    static let variableExpansion: [(String, String)] = [
        ("{count}", "one,two,three"), ("{count*}", "one,two,three"), ("{/count}", "/one,two,three"),
        ("{/count*}", "/one/two/three"), ("{;count}", ";count=one,two,three"), ("{;count*}", ";count=one;count=two;count=three"),
        ("{?count}", "?count=one,two,three"), ("{?count*}", "?count=one&count=two&count=three"),
        ("{&count*}", "&count=one&count=two&count=three"),
    ]
    static let simple: [(String, String)] = [
        ("{var}", "value"), ("{hello}", "Hello%20World%21"), ("{half}", "50%25"), ("O{empty}X", "OX"), ("O{undef}X", "OX"),
        ("{x,y}", "1024,768"), ("{x,hello,y}", "1024,Hello%20World%21,768"), ("?{x,empty}", "?1024,"), ("?{x,undef}", "?1024"),
        ("?{undef,y}", "?768"), ("{var:3}", "val"), ("{var:30}", "value"), ("{list}", "red,green,blue"),
        ("{list*}", "red,green,blue"), ("{keys}", "semi,%3B,dot,.,comma,%2C"), ("{keys*}", "semi=%3B,dot=.,comma=%2C"),
    ]
    static let reserved: [(String, String)] = [
        ("{+var}", "value"), ("{+hello}", "Hello%20World!"), ("{+half}", "50%25"),
        ("{base}index", "http%3A%2F%2Fexample.com%2Fhome%2Findex"), ("{+base}index", "http://example.com/home/index"),
        ("O{+empty}X", "OX"), ("O{+undef}X", "OX"), ("{+path}/here", "/foo/bar/here"), ("here?ref={+path}", "here?ref=/foo/bar"),
        ("up{+path}{var}/here", "up/foo/barvalue/here"), ("{+x,hello,y}", "1024,Hello%20World!,768"),
        ("{+path,x}/here", "/foo/bar,1024/here"), ("{+path:6}/here", "/foo/b/here"), ("{+list}", "red,green,blue"),
        ("{+list*}", "red,green,blue"), ("{+keys}", "semi,;,dot,.,comma,,"), ("{+keys*}", "semi=;,dot=.,comma=,"),
    ]
    static let fragment: [(String, String)] = [
        ("{#var}", "#value"), ("{#hello}", "#Hello%20World!"), ("{#half}", "#50%25"), ("foo{#empty}", "foo#"),
        ("foo{#undef}", "foo"), ("{#x,hello,y}", "#1024,Hello%20World!,768"), ("{#path,x}/here", "#/foo/bar,1024/here"),
        ("{#path:6}/here", "#/foo/b/here"), ("{#list}", "#red,green,blue"), ("{#list*}", "#red,green,blue"),
        ("{#keys}", "#semi,;,dot,.,comma,,"), ("{#keys*}", "#semi=;,dot=.,comma=,"),
    ]
    static let label: [(String, String)] = [
        ("{.who}", ".fred"), ("{.who,who}", ".fred.fred"), ("{.half,who}", ".50%25.fred"), ("www{.dom*}", "www.example.com"),
        ("X{.var}", "X.value"), ("X{.empty}", "X."), ("X{.undef}", "X"), ("X{.var:3}", "X.val"), ("X{.list}", "X.red,green,blue"),
        ("X{.list*}", "X.red.green.blue"), ("X{.keys}", "X.semi,%3B,dot,.,comma,%2C"), ("X{.keys*}", "X.semi=%3B.dot=..comma=%2C"),
        ("X{.empty_keys}", "X"), ("X{.empty_keys*}", "X"),
    ]
    static let path: [(String, String)] = [
        ("{/who}", "/fred"), ("{/who,who}", "/fred/fred"), ("{/half,who}", "/50%25/fred"), ("{/who,dub}", "/fred/me%2Ftoo"),
        ("{/var}", "/value"), ("{/var,empty}", "/value/"), ("{/var,undef}", "/value"), ("{/var,x}/here", "/value/1024/here"),
        ("{/var:1,var}", "/v/value"), ("{/list}", "/red,green,blue"), ("{/list*}", "/red/green/blue"),
        ("{/list*,path:4}", "/red/green/blue/%2Ffoo"), ("{/keys}", "/semi,%3B,dot,.,comma,%2C"), ("{/keys*}", "/semi=%3B/dot=./comma=%2C"),
    ]
    static let pathParameters: [(String, String)] = [
        ("{;who}", ";who=fred"), ("{;half}", ";half=50%25"), ("{;empty}", ";empty"), ("{;v,empty,who}", ";v=6;empty;who=fred"),
        ("{;v,bar,who}", ";v=6;who=fred"), ("{;x,y}", ";x=1024;y=768"), ("{;x,y,empty}", ";x=1024;y=768;empty"),
        ("{;x,y,undef}", ";x=1024;y=768"), ("{;hello:5}", ";hello=Hello"), ("{;list}", ";list=red,green,blue"),
        ("{;list*}", ";list=red;list=green;list=blue"), ("{;keys}", ";keys=semi,%3B,dot,.,comma,%2C"),
        ("{;keys*}", ";semi=%3B;dot=.;comma=%2C"),
    ]
    static let query: [(String, String)] = [
        ("{?who}", "?who=fred"), ("{?half}", "?half=50%25"), ("{?x,y}", "?x=1024&y=768"), ("{?x,y,empty}", "?x=1024&y=768&empty="),
        ("{?x,y,undef}", "?x=1024&y=768"), ("{?var:3}", "?var=val"), ("{?list}", "?list=red,green,blue"),
        ("{?list*}", "?list=red&list=green&list=blue"), ("{?keys}", "?keys=semi,%3B,dot,.,comma,%2C"),
        ("{?keys*}", "?semi=%3B&dot=.&comma=%2C"),
    ]
    static let continuation: [(String, String)] = [
        ("{&who}", "&who=fred"), ("{&half}", "&half=50%25"), ("?fixed=yes{&x}", "?fixed=yes&x=1024"),
        ("{&x,y,empty}", "&x=1024&y=768&empty="), ("{&var:3}", "&var=val"), ("{&list}", "&list=red,green,blue"),
        ("{&list*}", "&list=red&list=green&list=blue"), ("{&keys}", "&keys=semi,%3B,dot,.,comma,%2C"),
        ("{&keys*}", "&semi=%3B&dot=.&comma=%2C"),
    ]

    static let allExamples: [(String, String)] = [variableExpansion, simple, reserved, fragment, label, path, pathParameters, query, continuation]
        .flatMap { $0 }

    @Test(arguments: allExamples)
    func rfc6570Examples(template: String, expected: String) throws {
        #expect(try expand(template) == expected)
    }

    @Test func valuesOfOtherTypesAndUnicode() throws {
        let variables: JSONObject = ["n": 42, "d": .double(2.5), "whole": .double(3.0), "t": true, "u": "żółw/ü", "mixed": [1, nil, "a"]]
        #expect(try expand("{n,d,whole,t}", variables) == "42,2.5,3,true")
        #expect(try expand("{u}", variables) == "%C5%BC%C3%B3%C5%82w%2F%C3%BC")
        #expect(try expand("{+u}", variables) == "%C5%BC%C3%B3%C5%82w/%C3%BC")
        #expect(try expand("{u:2}", variables) == "%C5%BC%C3%B3")  // code points, not bytes
        #expect(try expand("{?mixed*}", variables) == "?mixed=1&mixed=a")  // null members are skipped
        #expect(try expand("caf\u{e9}/{n}", variables) == "caf%C3%A9/42")  // literal outside the URI set is encoded
    }

    @Test func reservedExpansionKeepsTripletsAndPrefixDoesNotSplitThem() throws {
        let variables: JSONObject = ["p": "a%20b%zz", "q": "%41%42c"]
        #expect(try expand("{+p}", variables) == "a%20b%25zz")
        #expect(try expand("{p}", variables) == "a%2520b%25zz")
        #expect(try expand("{+q:2}", variables) == "%41%42")
        #expect(try expand("{q:2}", variables) == "%254")  // without "+" a "%" is just a character
        #expect(try expand("{#q:1}", variables) == "#%41")
    }

    @Test func variableNamesInOrderWithoutDuplicates() throws {
        #expect(try URITemplate("file:///{+path}{?query,page}{&query}{#frag.a}").variableNames == ["path", "query", "page", "frag.a"])
        #expect(try URITemplate("no/expressions").variableNames == [])
        #expect(try expand("static/%7Epath") == "static/%7Epath")
    }

    @Test func longExpansionsAreCutOrRejected() throws {
        let huge: JSONObject = ["a": .string(String(repeating: " ", count: 400_000))]
        let template = try URITemplate("x{a}")
        let expanded = template.expand(huge)
        #expect(expanded.utf8.count <= URITemplate.maxExpansionLength)
        #expect(expanded.utf8.count > URITemplate.maxExpansionLength - 3)
        #expect(expanded.hasSuffix("%20"))  // never a partial triplet
        #expect(throws: MCPError.self) { try template.expandChecked(huge) }
        #expect(try template.expandChecked(["a": "ok"]) == "xok")
    }
}

@Suite struct URITemplateParsingTests {
    static let malformed: [(String, Int)] = [
        ("{var", 0), ("a/{x,y", 2), ("a}b", 1), ("{=var}", 1), ("{!var}", 1), ("{|var}", 1), ("{}", 1), ("{+}", 2),
        ("{va r}", 3), ("{.a..b}", 4), ("{a.}", 2), ("{.x,}", 4), ("{var:0}", 5), ("{var:10000}", 5), ("{var:}", 5),
        ("{list*:3}", 6), ("{list:3*}", 7), ("{var-x}", 4), ("a b", 1), ("{x}%2", 3), ("{x%2}", 2), ("x\"y", 1),
    ]

    @Test(arguments: malformed)
    func malformedTemplatesAreRejectedWithTheirOffset(template: String, offset: Int) {
        let error = #expect(throws: MCPError.self) { try URITemplate(template) }
        #expect(error?.code == .invalid)
        #expect(error?.details["offset"] == .int(Int64(offset)), "\(template): \(error?.message ?? "accepted")")
    }

    @Test func oversizedTemplatesAreRejected() {
        #expect(throws: MCPError.self) { try URITemplate(String(repeating: "a", count: URITemplate.maxTemplateLength + 1)) }
        #expect((try? URITemplate("{a:9999}{b*}{%41.c}")) != nil)
    }
}
