import Foundation
import Testing

/// `GET /openapi.json`: a valid OpenAPI 3.1 document that real answers of the gateway match.
@Suite(.serialized) struct OpenAPITests {
    @Test func theDocumentIsValidAndTrueToTheAnswers() async throws {
        let grid = try await TestGrid.start([.init(capacityKW: 400, points: 20)])
        defer { grid.stop() }
        let script = Tools.path("Tests/EndToEndTests/Support/check_openapi.py").path
        let (status, output) = try Tools.run("python3", [script, grid.gateway.url])
        #expect(status == 0, "\(output)")
        #expect(output.contains("201 ChargeSession") && output.contains("400 Problem"), "\(output)")
    }
}
