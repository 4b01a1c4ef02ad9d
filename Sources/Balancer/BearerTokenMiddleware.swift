import GridHTTP
import Hummingbird

/// Lets a request through only with `Authorization: Bearer <token>`; with no token configured
/// the routes behind it are off (401 for everyone).
struct BearerTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: String?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let token, !token.isEmpty,
            let header = request.headers[.authorization], header.hasPrefix("Bearer "),
            Self.constantTimeEqual(Array(header.utf8.dropFirst(7)), Array(token.utf8))
        else {
            var problem = Problem.unauthorized()
            if token == nil { problem.detail = "the admin API is off: start the balancer with --admin-token" }
            throw problem
        }
        return try await next(request, context)
    }

    /// Compares without stopping at the first difference, so timing does not reveal the token.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for index in 0..<max(a.count, b.count) {
            difference |= (index < a.count ? a[index] : 0) ^ (index < b.count ? b[index] : 0)
        }
        return difference == 0
    }
}
