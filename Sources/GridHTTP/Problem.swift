import Foundation
import GridCore
import Hummingbird
import NIOCore

/// An RFC 9457 problem: every 4xx and 5xx answer of every smartgrid service is one of these,
/// as `application/problem+json`. Never an HTML page, never a stack trace.
public struct Problem: Error, HTTPResponseError, Codable, Sendable {
    public var type: String
    public var title: String
    /// The HTTP status code, as the `status` member of the problem.
    public var statusCode: Int
    public var detail: String
    /// Per-field errors of a 400.
    public var errors: [FieldError]?
    /// A machine-readable reason, for example why a substation refused a session.
    public var reason: String?
    /// Seconds after which a retry may succeed; also sent as `Retry-After`.
    public var retryAfterSeconds: Int?

    public init(
        status: HTTPResponse.Status, slug: String, title: String, detail: String,
        errors: [FieldError]? = nil, reason: String? = nil, retryAfterSeconds: Int? = nil
    ) {
        self.type = Self.typeURI(slug)
        self.title = title
        self.statusCode = status.code
        self.detail = detail
        self.errors = errors
        self.reason = reason
        self.retryAfterSeconds = retryAfterSeconds
    }

    enum CodingKeys: String, CodingKey {
        case type, title, detail, errors, reason, retryAfterSeconds
        case statusCode = "status"
    }

    public var status: HTTPResponse.Status { .init(code: statusCode) }

    public static func typeURI(_ slug: String) -> String { "urn:smartgrid:problem:\(slug)" }

    public static let mediaType = "application/problem+json"

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        makeResponse()
    }

    public func makeResponse() -> Response {
        WireAnswer(self).response
    }
}

extension Problem {
    public static func invalidRequest(_ errors: [FieldError]) -> Problem {
        let summary = errors.map { "\($0.field) \($0.message)" }.joined(separator: "; ")
        return Problem(
            status: .badRequest, slug: "invalid-request", title: "Invalid request",
            detail: summary.isEmpty ? "the request is not valid" : summary, errors: errors)
    }

    public static func malformedJSON(_ detail: String) -> Problem {
        Problem(
            status: .badRequest, slug: "malformed-json", title: "Malformed JSON", detail: detail,
            errors: [FieldError(field: "body", message: detail)])
    }

    public static func unsupportedMediaType(_ received: String?) -> Problem {
        Problem(
            status: .unsupportedMediaType, slug: "unsupported-media-type", title: "Unsupported media type",
            detail: "send the body as application/json\(received.map { ", not \($0)" } ?? "")")
    }

    public static func bodyTooLarge(limit: Int) -> Problem {
        Problem(
            status: .contentTooLarge, slug: "body-too-large", title: "Body too large",
            detail: "the body is over the \(limit / 1024) KiB limit")
    }

    public static func notFound(_ detail: String) -> Problem {
        Problem(status: .notFound, slug: "not-found", title: "Not found", detail: detail)
    }

    public static func noCapacity(_ detail: String, retryAfterSeconds: Int) -> Problem {
        Problem(
            status: .serviceUnavailable, slug: "no-capacity", title: "No substation can admit this vehicle",
            detail: detail, retryAfterSeconds: retryAfterSeconds)
    }

    /// The service could not read or write its database; nothing was booked. Retry shortly.
    public static func storageUnavailable(_ detail: String) -> Problem {
        Problem(
            status: .serviceUnavailable, slug: "storage-unavailable", title: "Storage unavailable", detail: detail,
            retryAfterSeconds: 1)
    }

    /// Something the answer depends on is not there right now; retry shortly.
    public static func unavailable(_ detail: String, retryAfterSeconds: Int) -> Problem {
        Problem(
            status: .serviceUnavailable, slug: "temporarily-unavailable", title: "Temporarily unavailable", detail: detail,
            retryAfterSeconds: retryAfterSeconds)
    }

    public static func badGateway(_ detail: String) -> Problem {
        Problem(status: .badGateway, slug: "upstream-unreachable", title: "Upstream unreachable", detail: detail)
    }

    public static func gatewayTimeout(_ detail: String) -> Problem {
        Problem(status: .gatewayTimeout, slug: "upstream-timeout", title: "Upstream timed out", detail: detail)
    }

    public static func unauthorized() -> Problem {
        Problem(status: .unauthorized, slug: "unauthorized", title: "Unauthorized", detail: "a valid bearer token is required")
    }

    public static func internalError() -> Problem {
        Problem(
            status: .internalServerError, slug: "internal", title: "Internal error",
            detail: "the service failed to answer; it has logged why")
    }

    /// The problem for an error thrown anywhere below a route: framework HTTP errors keep their
    /// status, anything unknown is a 500 that reveals nothing internal.
    public static func from(_ error: any Error) -> Problem {
        switch error {
        case let problem as Problem:
            return problem
        case let error as HTTPError:
            let title = error.status.reasonPhrase
            let slug = title.lowercased().replacingOccurrences(of: " ", with: "-")
            return Problem(status: error.status, slug: slug, title: title, detail: error.body ?? title)
        case is NIOTooManyBytesError:
            return .bodyTooLarge(limit: 64 * 1024)
        case let error as any HTTPResponseError:
            let title = error.status.reasonPhrase
            return Problem(
                status: error.status, slug: title.lowercased().replacingOccurrences(of: " ", with: "-"), title: title, detail: title)
        default:
            return .internalError()
        }
    }
}
