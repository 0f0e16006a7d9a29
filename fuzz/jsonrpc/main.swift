// libFuzzer target for JSON-RPC message handling: a ClientSession over an in-memory transport, fed the input's
// lines as messages from the server, with host actions in between. scripts/fuzz jsonrpc [seconds].
//
// Input: byte 0 picks the session options (era preference, task mode, output validation, header mirroring, log
// level). The rest is lines. A line starting with "!" is a host action ("!call NAME", "!list", "!resources",
// "!templates", "!prompts", "!read URI", "!complete", "!sub URI", "!unsub", "!task ID", "!cancel", "!tick",
// "!wait", "!req METHOD"); any other line is delivered to the session as one message from the server, byte for
// byte. Requests are numbered from 1 in the order the client sends them, so a seed can answer them by id.
//
// Properties, besides "no crash, no hang, no sanitizer report":
//   - every host operation (connect, calls, lists, subscriptions, tasks) completes exactly once by the end
//     (after the connection closes and every timer has run), never twice;
//   - everything the client sends is a JSON-RPC 2.0 object (the transport parses it);
//   - every request the server sends (an object with a string method and an id) gets exactly one response
//     carrying its id; nothing else is sent without a method;
//   - nothing is left in flight after the close.
import MCPClientCore
import MCPClientProtocol
import MCPClientTesting

/// Counts completions per host operation.
final class Ledger: @unchecked Sendable {
    private let counts = Locked<[Int]>([])

    func open() -> Int { counts.withLock { $0.append(0); return $0.count - 1 } }

    func done(_ slot: Int, _ what: String) {
        let count = counts.withLock { counts -> Int in
            counts[slot] += 1
            return counts[slot]
        }
        if count > 1 { fatalError("\(what) (operation \(slot)) completed \(count) times") }
    }

    var unfinished: [Int] { counts.withLock { counts in counts.indices.filter { counts[$0] == 0 } } }
}

private func options(_ flags: UInt8) -> ClientOptions {
    let era: ClientOptions.EraPreference = switch flags & 3 {
    case 1: .modern
    case 2: .legacy
    default: .auto
    }
    let tasks: TaskMode = switch (flags >> 2) & 3 {
    case 1: .whenRequired
    case 2: .always
    default: .off
    }
    var options = ClientOptions(
        capabilities: ["roots": ["listChanged": true], "sampling": [:], "elicitation": ["form": [:], "url": [:]]],
        eraPreference: era, probeTimeoutNanoseconds: 2_000_000_000, logLevel: flags & 0x40 != 0 ? "info" : nil, tasks: tasks)
    options.validateOutput = flags & 0x10 != 0
    options.mirrorsParameterHeaders = flags & 0x20 != 0
    return options
}

/// The server requests among the delivered messages (a batch counts each element), keyed by their id's JSON text.
private func serverRequestIDs(_ bytes: ArraySlice<UInt8>) -> [String] {
    guard let value = try? JSONParser.parse(Array(bytes)) else { return [] }
    let elements: [JSONValue] = if case .array(let batch) = value { batch } else { [value] }
    return elements.compactMap { element in
        guard case .object(let message) = element, message["method"]?.stringValue != nil, let id = message["id"] else { return nil }
        // As the client will write it back (a number keeps its value, not its spelling).
        return (try? JSONParser.parse(JSONWriter.serialize(id)))?.jsonString ?? id.jsonString
    }
}

private let second: UInt64 = 1_000_000_000

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSONRPC(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let scheduler = ManualScheduler()
    let transport = InMemoryTransport()
    let rpc = RPCSession(transport: transport, scheduler: scheduler, clock: scheduler)
    let session = ClientSession(rpc: rpc, options: options(bytes[0]), clock: scheduler)
    let ledger = Ledger()

    session.setHandlers(request: { method, _, reply in
        // Answers synchronously; odd-length methods are refused, so both reply shapes are exercised.
        if method.utf8.count % 2 == 1 {
            reply(.failure(MCPError.peer(code: -32601, message: "no \(method)", data: nil)))
        } else {
            reply(.success(["method": .string(method)]))
        }
    }, notification: nil, close: nil)
    session.setInputHandler { requests, completion in
        var answers = JSONObject()
        for (key, _) in requests.entries { answers[key] = ["action": "decline"] }
        completion(.success(answers))
    }
    let subscriptionEnds = Locked(0)
    session.setSubscriptionEndHandler { _ in subscriptionEnds.withLock { $0 += 1 } }

    let connect = ledger.open()
    session.connect(knownEra: bytes[0] & 0x80 != 0 ? .legacy : nil, timeoutNanoseconds: 30 * second) { _ in
        ledger.done(connect, "connect")
    }

    var handles: [RequestHandle] = []
    var expectedReplies: [String] = []
    for line in bytes.dropFirst().split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
        guard line.first == UInt8(ascii: "!") else {
            expectedReplies += serverRequestIDs(line)
            transport.deliverRaw(Array(line))
            continue
        }
        let text = String(decoding: line.dropFirst(), as: UTF8.self)
        let parts = text.split(separator: " ", maxSplits: 1)
        let argument = parts.count > 1 ? String(parts[1]) : ""
        let slot = ledger.open()
        let finish: RPCSession.Completion = { _ in ledger.done(slot, text) }
        let listFinish: ClientSession.Completion<[JSONValue]> = { _ in ledger.done(slot, text) }
        let progress: RPCSession.ProgressHandler = { _ in }
        switch parts.first.map(String.init) ?? "" {
        case "call":
            handles.append(session.callTool(name: argument, arguments: ["x": 1], timeoutNanoseconds: 5 * second, progress: progress,
                completion: finish))
        case "list": session.list(.tools, timeoutNanoseconds: 5 * second, completion: listFinish)
        case "resources": session.list(.resources, timeoutNanoseconds: 5 * second, completion: listFinish)
        case "templates": session.list(.resourceTemplates, timeoutNanoseconds: nil, maxTotalNanoseconds: 20 * second, completion: listFinish)
        case "prompts": session.list(.prompts, timeoutNanoseconds: 5 * second, completion: listFinish)
        case "read":
            handles.append(session.request(method: "resources/read", params: ["uri": .string(argument)], timeoutNanoseconds: 5 * second,
                completion: finish))
        case "complete":
            handles.append(session.request(method: "completion/complete", params: ["ref": ["type": "ref/prompt", "name": "p"],
                "argument": ["name": "a", "value": .string(argument)]], completion: finish))
        case "sub":
            session.subscribe(SubscriptionFilter(toolsListChanged: true, resourceURIs: argument.isEmpty ? [] : [argument]),
                timeoutNanoseconds: 5 * second) { _ in ledger.done(slot, text) }
        case "unsub":
            session.subscribe(SubscriptionFilter(), timeoutNanoseconds: 5 * second) { _ in ledger.done(slot, text) }
        case "task":
            handles.append(session.resumeTask(argument, timeoutNanoseconds: 5 * second, maxTotalNanoseconds: 60 * second,
                taskUpdate: { _ in }, completion: finish))
        case "cancel":
            handles.last?.cancel(MCPError(.cancelled, "cancelled by the host"))
            ledger.done(slot, text)
        case "tick":
            scheduler.advance(byNanoseconds: second)
            ledger.done(slot, text)
        case "wait":
            scheduler.advance(byNanoseconds: 60 * second)
            ledger.done(slot, text)
        default:
            handles.append(session.request(method: argument.isEmpty ? text : argument, params: [:], timeoutNanoseconds: 5 * second,
                progress: progress, completion: finish))
        }
    }

    // The end: the server goes away, then every timer (task polls, elicitation waits, timeouts) runs out.
    transport.simulateClose(error: MCPError(.closed, "fuzz input ended"))
    for _ in 0..<4 { scheduler.advance(byNanoseconds: 3_600 * second) }

    let unfinished = ledger.unfinished
    if !unfinished.isEmpty { fatalError("operations \(unfinished) never completed") }
    if rpc.inFlightCount != 0 { fatalError("\(rpc.inFlightCount) requests still in flight after the close") }

    var replies: [String] = []
    for message in transport.sent {
        guard case .object(let object) = message, object["jsonrpc"] == "2.0" else {
            fatalError("the client sent something that is not a JSON-RPC 2.0 object: \(message.jsonString)")
        }
        if object["method"] == nil {
            guard let id = object["id"], (object["result"] == nil) != (object["error"] == nil) else {
                fatalError("a message without a method is not a response: \(message.jsonString)")
            }
            replies.append(id.jsonString)
        } else if object["method"]?.stringValue == nil {
            fatalError("a method that is not a string: \(message.jsonString)")
        }
    }
    if replies.sorted() != expectedReplies.sorted() {
        fatalError("server requests \(expectedReplies) got responses \(replies)")
    }
    return 0
}
