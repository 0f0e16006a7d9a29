import Glibc

/// A parsed object with its exact bytes, so that writing it out again is a copy (see `JSONParser.parseResponse`).
///
/// Why an object is recognized by its storage: holding `value` keeps the object's entries shared, and shared storage is
/// never changed in place (copy-on-write). An object written later with the same storage is this object, unchanged;
/// an object changed on the way (or rebuilt) has other storage and is serialized as usual.
///
/// A class: it is handed along as an optional, which for a struct this size cost more in copies than the allocation.
public final class JSONPassThrough: Sendable {
    let value: JSONValue
    /// A slice: a parsed reply's result stays in the reply's bytes (no copy).
    let bytes: ArraySlice<UInt8>
    /// Members written after `bytes`' own (before its closing brace): see `appending`.
    let appended: JSONObject
    /// `value` has its object and array members as `null`: only `bytes` are the whole object (see
    /// `JSONParser.parseResponse(_:maxDepth:shallowResult:)`). Whoever reads below the top level calls `deepened`.
    public let isShallow: Bool

    init(value: JSONValue, bytes: ArraySlice<UInt8>, appended: JSONObject = [:], shallow: Bool = false) {
        self.value = value
        self.bytes = bytes
        self.appended = appended
        isShallow = shallow
    }

    /// An object written once now, to be copied wherever it is written unchanged later (a constant part of every
    /// request, say).
    public convenience init(_ object: JSONObject) {
        let value = JSONValue.object(object)
        self.init(value: value, bytes: JSONWriter.serialize(value)[...])
    }

    /// This object with `extra`'s members after its own: written as this object's bytes up to the closing brace,
    /// then `extra`'s members (a request's constant `_meta` plus its progress token, mostly copied). Nil when this is
    /// not a non-empty object as it came, or `extra` names one of its keys (the object would not be these bytes then).
    public func appending(_ extra: JSONObject) -> JSONPassThrough? {
        guard appended.isEmpty, case .object(var object) = value, !object.isEmpty, bytes.last == UInt8(ascii: "}"), !extra.isEmpty,
              !extra.entries.contains(where: { object[$0.key] != nil })
        else { return nil }
        object.entries.reserveCapacity(object.count + extra.count)
        object.entries.append(contentsOf: extra.entries)
        return JSONPassThrough(value: .object(object), bytes: bytes, appended: extra)
    }

    /// The object these bytes are; written unchanged (the same storage), it is written as these bytes.
    public var object: JSONObject? { value.objectValue }

    /// Whether `value` is this object as it came (the same storage).
    public func isSame(as value: JSONValue) -> Bool { identity != nil && Self.identity(of: value) == identity }

    /// `value` whole: when it is the shallow result the current blocking call's reply left (`BlockingCall.passThrough`),
    /// read in full from its bytes (and the full one left in its place, so it is still written as it came);
    /// otherwise `value` itself. Shallow results exist only on that call's thread, inside it.
    public static func deepened(_ value: JSONValue) -> JSONValue {
        guard let call = BlockingCall.current, let shallow = call.passThrough, shallow.isShallow, shallow.isSame(as: value) else { return value }
        let parsed = shallow.bytes.withUnsafeBufferPointer { buffer in try? JSONParser.parse(buffer) }
        guard let full = parsed else { return value }  // cannot happen: these bytes were read once already
        call.passThrough = JSONPassThrough(value: full, bytes: shallow.bytes)
        return full
    }

    var identity: UnsafeRawPointer? { Self.identity(of: value) }

    static func identity(of value: JSONValue) -> UnsafeRawPointer? {
        guard case .object(let object) = value else { return nil }
        return identity(of: object)
    }

    static func identity(of object: JSONObject) -> UnsafeRawPointer? {
        object.entries.withUnsafeBufferPointer { $0.baseAddress.map { UnsafeRawPointer($0) } }
    }

    // MARK: handing one from a transport to the C boundary, on the host thread of a blocking call

    /// The thread's slot, made on its first stash and kept until it ends (no allocation per call).
    private final class Slot {
        /// Only its own thread touches it: no dynamic exclusivity check.
        @exclusivity(unchecked) var passThrough: JSONPassThrough?
    }

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { slot in
            if let slot { Unmanaged<AnyObject>.fromOpaque(slot).release() }  // the thread ended
        }
        return key
    }()

    private static func slot(making: Bool) -> Slot? {
        if let raw = pthread_getspecific(key) { return Unmanaged<Slot>.fromOpaque(raw).takeUnretainedValue() }
        guard making else { return nil }
        let slot = Slot()
        pthread_setspecific(key, Unmanaged.passRetained(slot).toOpaque())
        return slot
    }

    /// Leaves `passThrough` for this thread's next `take()`, replacing any left before.
    public static func stash(_ passThrough: JSONPassThrough?) {
        guard let slot = slot(making: passThrough != nil) else { return }
        slot.passThrough = passThrough
    }

    /// What this thread's last `stash` left, once.
    public static func take() -> JSONPassThrough? {
        guard let slot = slot(making: false) else { return nil }
        defer { slot.passThrough = nil }
        return slot.passThrough
    }
}
