import Foundation
import GridCore
import Hummingbird
import NIOCore

/// JSON as smartgrid speaks it on the wire: camelCase, RFC 3339 dates, strict input.
public enum WireJSON {
    public static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    public static let decoder = JSONDecoder()

    /// The most a JSON request body may hold (CONTRACT section 3).
    public static let bodyLimit = 64 * 1024

    /// A JSON response with the given status.
    public static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        var headers = headers
        headers[.contentType] = "application/json"
        let data = try encoder.encode(value)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// Reads a request body as JSON: 415 unless JSON, 413 over the limit, 400 if it does not parse.
    public static func readObject(from request: Request, limit: Int = bodyLimit) async throws -> JSONValue {
        try readObject(contentType: request.headers[.contentType], body: try await readBody(from: request, limit: limit))
    }

    /// A JSON request's body read whole: 415 unless JSON, 413 over the limit.
    public static func readBody(from request: Request, limit: Int = bodyLimit) async throws -> ByteBuffer {
        let contentType = request.headers[.contentType]
        guard let contentType, isJSON(contentType) else {
            throw Problem.unsupportedMediaType(request.headers[.contentType])
        }
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw Problem.bodyTooLarge(limit: limit)
        }
        do {
            return try await request.body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw Problem.bodyTooLarge(limit: limit)
        }
    }

    /// A body already read whole (within the limit) as JSON: 415 unless JSON, 400 if it does not parse.
    public static func readObject(contentType: String?, body: ByteBuffer) throws(Problem) -> JSONValue {
        guard let contentType, isJSON(contentType) else { throw Problem.unsupportedMediaType(contentType) }
        return try parse(body)
    }

    /// A body's bytes as JSON, parsed where they are. Strict: duplicate keys, numbers out of
    /// range, bad UTF-8 and deep nesting are refused, with what and where in the detail.
    public static func parse(_ body: ByteBuffer) throws(Problem) -> JSONValue {
        guard body.readableBytes > 0 else { throw Problem.malformedJSON("the body is empty") }
        let result = body.withUnsafeReadableBytes { bytes in Result { () throws(JSONSyntaxError) in try StrictJSONParser.parse(bytes) } }
        do throws(JSONSyntaxError) {
            return try result.get()
        } catch {
            throw Problem.malformedJSON("the body is not valid JSON: \(error)")
        }
    }

    public static func isJSON(_ contentType: String) -> Bool {
        // The common case without Foundation's string searching, which showed in the profile.
        if contentType == "application/json" { return true }
        let mediaType = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        return mediaType == "application/json" || (mediaType.hasPrefix("application/") && mediaType.hasSuffix("+json"))
    }
}
