/// One invalid field of a request, as reported in a 400 problem's `errors` list.
public struct FieldError: Codable, Equatable, Sendable {
    public var field: String
    public var message: String

    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }
}
