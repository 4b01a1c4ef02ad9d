import GridCore

/// Reads the fields of a CALL payload, naming the first one that breaks the schema and how:
/// missing (ProtocolError) or of the wrong type (TypeConstraintViolation).
struct PayloadReader {
    let fields: [String: JSONValue]
    let path: String

    struct Violation: Error, Equatable {
        var code: OCPPErrorCode
        var description: String
    }

    init(_ payload: JSONValue, path: String = "") throws(Violation) {
        guard case .object(let fields) = payload else {
            throw Violation(code: .typeConstraintViolation, description: "\(path.isEmpty ? "payload" : path) must be an object")
        }
        self.fields = fields
        self.path = path
    }

    private func name(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    private func required(_ key: String) throws(Violation) -> JSONValue {
        guard let value = fields[key], value != .null else {
            throw Violation(code: .protocolError, description: "\(name(key)) is required")
        }
        return value
    }

    func string(_ key: String) throws(Violation) -> String {
        guard case .string(let text) = try required(key) else { throw wrongType(key, "a string") }
        return text
    }

    func optionalString(_ key: String) throws(Violation) -> String? {
        guard let value = fields[key], value != .null else { return nil }
        guard case .string(let text) = value else { throw wrongType(key, "a string") }
        return text
    }

    func integer(_ key: String) throws(Violation) -> Int {
        guard case .number(let number) = try required(key), number == number.rounded(), abs(number) < 1e15 else {
            throw wrongType(key, "an integer")
        }
        return Int(number)
    }

    func optionalInteger(_ key: String) throws(Violation) -> Int? {
        guard fields[key] != nil, fields[key] != .null else { return nil }
        return try integer(key)
    }

    func number(_ key: String) throws(Violation) -> Double {
        guard case .number(let number) = try required(key) else { throw wrongType(key, "a number") }
        return number
    }

    func object(_ key: String) throws(Violation) -> PayloadReader {
        try PayloadReader(try required(key), path: name(key))
    }

    func optionalObject(_ key: String) throws(Violation) -> PayloadReader? {
        guard let value = fields[key], value != .null else { return nil }
        return try PayloadReader(value, path: name(key))
    }

    func array(_ key: String) throws(Violation) -> [JSONValue] {
        guard case .array(let items) = try required(key) else { throw wrongType(key, "an array") }
        return items
    }

    func optionalArray(_ key: String) throws(Violation) -> [JSONValue]? {
        guard fields[key] != nil, fields[key] != .null else { return nil }
        return try array(key)
    }

    /// A string that must be one of `allowed` (an enumeration of the schema).
    func oneOf(_ key: String, _ allowed: Set<String>) throws(Violation) -> String {
        let text = try string(key)
        guard allowed.contains(text) else {
            throw Violation(code: .propertyConstraintViolation, description: "\(name(key)) may not be \(text)")
        }
        return text
    }

    private func wrongType(_ key: String, _ expected: String) -> Violation {
        Violation(code: .typeConstraintViolation, description: "\(name(key)) must be \(expected)")
    }
}
