import Glibc
import MCPClientABI
import MCPClientCore
import MCPClientTesting
import Testing

/// Calls the exported C functions as a C host would, including the careless calls a host can make.
///
/// Swift 6.3 quirk: a `@c` function called directly from Swift hands back its enum in the C representation
/// (the raw value), while Swift literals use the case index, so `==` between the two is meaningless.
/// These tests therefore compare the returned bits with the raw code, exactly what a C caller sees.
func code(_ status: mcp_status) -> Int32 { withUnsafeBytes(of: status) { $0.load(as: Int32.self) } }
func cStatus(_ raw: Int32) -> mcp_status { unsafeBitCast(raw, to: mcp_status.self) }
let OK: Int32 = 0, INVALID: Int32 = -2, CONFIG: Int32 = -3, TIMEOUT: Int32 = -6, CLOSED: Int32 = -10, NOT_FOUND: Int32 = -11, CONFLICT: Int32 = -14

func takeString(_ pointer: UnsafeMutablePointer<CChar>?) -> String? {
    guard let pointer else { return nil }
    defer { mcpStringFree(pointer) }
    return String(cString: pointer)
}

func errorJSON(_ pointer: UnsafeMutablePointer<CChar>?) throws -> JSONValue {
    try JSONParser.parse(try #require(takeString(pointer)))
}

@Suite struct ABITests {
    @Test func statusValuesMirrorTheCoreCodesAndHaveDistinctStrings() {
        for error in MCPError.Code.all {
            #expect(mcp_status(rawValue: error.rawValue)?.rawValue == error.rawValue, "no mcp_status for \(error.name)")
        }
        var descriptions = Set<String>()
        for raw in Int32(-16)...0 {
            let text = String(cString: mcpStatusString(cStatus(raw)))
            #expect(!text.isEmpty && text != "unknown status")
            descriptions.insert(text)
        }
        #expect(descriptions.count == 17)
        #expect(String(cString: mcpStatusString(cStatus(-12345))) == "unknown status")
    }

    @Test func versionMatchesTheSingleSource() {
        #expect(String(cString: mcpVersion()) == MCPClientVersion.string)
        #expect(mcpVersionNumber() == Int32(MCPClientVersion.major * 10000 + MCPClientVersion.minor * 100 + MCPClientVersion.patch))
    }

    @Test func nullArgumentsAreRejectedWithJSONErrors() throws {
        var error: UnsafeMutablePointer<CChar>?
        #expect(code(mcpManagerNew(nil, nil, &error)) == INVALID)
        #expect(try errorJSON(error)["message"] == "out_manager is NULL")

        var manager: OpaquePointer?
        #expect(code(mcpManagerNew(&manager, nil, nil)) == OK)
        defer { mcpManagerFree(manager) }
        #expect(code(mcpManagerAddServer(manager, nil, "{}", &error)) == INVALID)
        #expect(try errorJSON(error)["details"]?["argument"] == "name")
        #expect(code(mcpManagerAddServer(nil, "a", "{}", &error)) == INVALID)
        _ = takeString(error)
        var out: UnsafeMutablePointer<CChar>?
        #expect(code(mcpManagerCallTool(manager, "a", "t", nil, 0, nil, &error)) == INVALID)
        _ = takeString(error)
        #expect(code(mcpManagerNextEvent(manager, 0, nil)) == INVALID)
        #expect(code(mcpManagerListTools(manager, nil, &out, nil)) == INVALID)
        #expect(out == nil)
        mcpManagerFree(nil)
        mcpStringFree(nil)
    }

    @Test func invalidUTF8AndJSONAreRejectedWithPositions() throws {
        var manager: OpaquePointer?
        var error: UnsafeMutablePointer<CChar>?
        #expect(code(mcpManagerNew(&manager, #"{"eventQueueCapacity": }"#, &error)) == INVALID)
        let parse = try errorJSON(error)
        #expect(parse["details"]?["column"] == 24)
        #expect(parse["code"] == -2)
        #expect(code(mcpManagerNew(&manager, #"{"unknownOption": 1}"#, &error)) == INVALID)
        _ = takeString(error)
        #expect(code(mcpManagerNew(&manager, nil, nil)) == OK)
        defer { mcpManagerFree(manager) }
        let badUTF8: [CChar] = [0x61, CChar(bitPattern: 0xC3), 0x28, 0]
        #expect(code(mcpManagerAddServer(manager, badUTF8, #"{"command":"x"}"#, &error)) == INVALID)
        #expect(try errorJSON(error)["message"] == "name is not valid UTF-8")
        #expect(code(mcpManagerAddServer(manager, "s", #"{"command":"x","args":[1]}"#, &error)) == CONFIG)
        #expect(try errorJSON(error)["details"]?["path"] == "args[0]")
        #expect(code(mcpManagerAddServer(manager, "s", #"{"command":"x"}"#, &error)) == OK)
        #expect(error == nil)
        #expect(code(mcpManagerAddServer(manager, "s", #"{"command":"x"}"#, &error)) == CONFLICT)
        _ = takeString(error)
        #expect(code(mcpManagerCallTool(manager, "s", "t", "[1,2]", 0, UnsafeMutablePointer.allocate(capacity: 1), &error)) == INVALID)
        _ = takeString(error)
    }

    @Test func submitValidatesAndUnknownRequestsAreNotFound() throws {
        var manager: OpaquePointer?
        #expect(code(mcpManagerNew(&manager, nil, nil)) == OK)
        defer { mcpManagerFree(manager) }
        var id: UInt64 = 99
        var error: UnsafeMutablePointer<CChar>?
        #expect(code(mcpManagerSubmit(manager, #"{"op":"fly","server":"x"}"#, &id, &error)) == INVALID)
        #expect(id == 0)
        _ = takeString(error)
        #expect(code(mcpManagerSubmit(manager, #"{"op":"connect","server":"nope"}"#, &id, &error)) == OK)
        var event: UnsafeMutablePointer<CChar>?
        #expect(code(mcpManagerNextEvent(manager, 5000, &event)) == OK)
        let delivered = try JSONParser.parse(try #require(takeString(event)))
        #expect(delivered["kind"] == "error")
        #expect(delivered["request_id"] == .int(Int64(id)))
        #expect(delivered["error"]?["name"] == "MCP_ERR_NOT_FOUND")
        #expect(code(mcpManagerCancel(manager, 424242, &error)) == NOT_FOUND)
        _ = takeString(error)
        #expect(code(mcpManagerNextEvent(manager, 0, &event)) == TIMEOUT)
    }

    @Test func aFreedHandleAnswersClosedInsteadOfCrashing() throws {
        var manager: OpaquePointer?
        #expect(code(mcpManagerNew(&manager, nil, nil)) == OK)
        mcpManagerFree(manager)
        var error: UnsafeMutablePointer<CChar>?
        var event: UnsafeMutablePointer<CChar>?
        #expect(code(mcpManagerAddServer(manager, "s", #"{"command":"x"}"#, &error)) == CLOSED)
        _ = takeString(error)
        #expect(code(mcpManagerNextEvent(manager, 0, &event)) == CLOSED)
        mcpManagerFree(manager)  // double free is tolerated
        let forged = OpaquePointer(bitPattern: 0xdead0)
        #expect(code(mcpManagerNextEvent(forged, 0, &event)) == CLOSED)
    }

    @Test func freeWakesAThreadBlockedInNextEvent() throws {
        var manager: OpaquePointer?
        #expect(code(mcpManagerNew(&manager, nil, nil)) == OK)
        final class Outcome: @unchecked Sendable { var status: Int32? }
        let outcome = Outcome()
        nonisolated(unsafe) let handle = manager
        let done = Waiter<Bool>()
        let thread = try #require(TestThread.start {
            var event: UnsafeMutablePointer<CChar>?
            outcome.status = code(mcpManagerNextEvent(handle, -1, &event))
            done.resolve(true)
        })
        usleep(50_000)
        mcpManagerFree(manager)
        #expect(done.wait(timeoutNanoseconds: 5_000_000_000) == true)
        pthread_join(thread, nil)
        #expect(outcome.status == CLOSED)
    }
}

@Suite struct ABIExtremeInputTests {
    @Test func hugeRequestIDsAreNotFoundNotACrash() throws {
        var manager: OpaquePointer?
        #expect(code(mcpManagerNew(&manager, nil, nil)) == OK)
        defer { mcpManagerFree(manager) }
        var error: UnsafeMutablePointer<CChar>?
        #expect(code(mcpManagerCancel(manager, UInt64.max, &error)) == NOT_FOUND)
        _ = takeString(error)
        #expect(code(mcpManagerRespond(manager, UInt64.max, #"{"result":{}}"#, &error)) == NOT_FOUND)
        _ = takeString(error)
    }
}
