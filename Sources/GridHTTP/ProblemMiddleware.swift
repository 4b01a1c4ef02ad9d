import Hummingbird
import Logging

/// Turns every error below it, including the router's own 404 and 405, into problem+json.
public struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            return Problem.answering(error, path: request.uri.path, logger: context.logger).makeResponse()
        }
    }
}

extension Problem {
    /// The problem an error below a route answers with, logged when it is worth a line.
    public static func answering(_ error: any Error, path: String, logger: Logger) -> Problem {
        let problem = Problem.from(error)
        // An unknown failure is a bug worth an error line; an unreachable upstream or a full grid
        // is the weather, and logging each one would cost more than answering it.
        if problem.statusCode == 500 {
            logger.error("request failed", metadata: ["path": "\(path)", "error": "\(error)"])
        } else if problem.statusCode > 500 {
            logger.debug("upstream problem", metadata: ["path": "\(path)", "status": "\(problem.statusCode)"])
        }
        return problem
    }
}
