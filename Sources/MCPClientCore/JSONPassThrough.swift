import Glibc

/// A parsed object with its exact bytes, so that writing it out again is a copy (see `JSONParser.parseResponse`).
///
/// Why an object is recognized by its storage: holding `value` keeps the object's entries shared, and shared storage is
/// never changed in place (copy-on-write). An object written later with the same storage is this object, unchanged;
/// an object changed on the way (or rebuilt) has other storage and is serialized as usual.
public struct JSONPassThrough: Sendable {
    let value: JSONValue
    /// A slice: a parsed reply's result stays in the reply's bytes (no copy).
    let bytes: ArraySlice<UInt8>

    init(value: JSONValue, bytes: ArraySlice<UInt8>) {
        self.value = value
        self.bytes = bytes
    }

    /// An object written once now, to be copied wherever it is written unchanged later (a constant part of every
    /// request, say).
    public init(_ object: JSONObject) {
        value = .object(object)
        bytes = JSONWriter.serialize(value)[...]
    }

    /// This object with `extra`'s members after its own, its bytes this object's up to the closing brace and then
    /// `extra`'s members: a request's constant `_meta` plus its progress token, written mostly by copying. Nil when
    /// this is not an object or `extra` names one of its keys (the object would not be these bytes then).
    public func appending(_ extra: JSONObject) -> JSONPassThrough? {
        guard case .object(var object) = value, bytes.last == UInt8(ascii: "}"), !extra.isEmpty,
              !extra.entries.contains(where: { object[$0.key] != nil })
        else { return nil }
        let ownCount = object.count
        object.entries.reserveCapacity(ownCount + extra.count)
        object.entries.append(contentsOf: extra.entries)
        var writer = JSONWriter(capacity: bytes.count + 64)
        writer.writeRaw(bytes.dropLast())
        for index in extra.entries.indices {
            if index > 0 || ownCount > 0 { writer.appendASCII(",") }
            writer.writeString(extra.entries[index].key)
            writer.appendASCII(":")
            writer.write(extra.entries[index].value)
        }
        writer.appendASCII("}")
        return JSONPassThrough(value: .object(object), bytes: writer.bytes[...])
    }

    /// The object these bytes are; written unchanged (the same storage), it is written as these bytes.
    public var object: JSONObject? { value.objectValue }

    var identity: UnsafeRawPointer? { Self.identity(of: value) }

    static func identity(of value: JSONValue) -> UnsafeRawPointer? {
        guard case .object(let object) = value else { return nil }
        return identity(of: object)
    }

    static func identity(of object: JSONObject) -> UnsafeRawPointer? {
        object.entries.withUnsafeBufferPointer { $0.baseAddress.map { UnsafeRawPointer($0) } }
    }

    // MARK: handing one from a transport to the C boundary, on the host thread of a blocking call

    private final class Box {
        let passThrough: JSONPassThrough
        init(_ passThrough: JSONPassThrough) { self.passThrough = passThrough }
    }

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { box in
            if let box { Unmanaged<AnyObject>.fromOpaque(box).release() }  // the thread ended holding one
        }
        return key
    }()

    /// Leaves `passThrough` for this thread's next `take()`, replacing any left before.
    public static func stash(_ passThrough: JSONPassThrough?) {
        let previous = pthread_getspecific(key)
        pthread_setspecific(key, passThrough.map { Unmanaged<AnyObject>.passRetained(Box($0)).toOpaque() })
        if let previous { Unmanaged<AnyObject>.fromOpaque(previous).release() }
    }

    /// What this thread's last `stash` left, once.
    public static func take() -> JSONPassThrough? {
        guard let raw = pthread_getspecific(key) else { return nil }
        pthread_setspecific(key, nil)
        return (Unmanaged<AnyObject>.fromOpaque(raw).takeRetainedValue() as? Box)?.passThrough
    }
}
