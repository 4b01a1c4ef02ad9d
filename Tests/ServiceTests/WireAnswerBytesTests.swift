import HTTPTypes
import NIOCore
import NIOHTTP1
import Testing

@testable import GridHTTP

/// An answer's HTTP/1 bytes: the head copied whole for a plain JSON 201 is the head the fields
/// would give, and numbers are written as decimal digits.
@Suite struct WireAnswerBytesTests {
    static func text(_ answer: WireAnswer, version: HTTPVersion = .http1_1, closing: Bool = false) -> String {
        let bytes = answer.http1Bytes(version: version, closing: closing, allocator: ByteBufferAllocator())
        // The Date field is the one part that moves between two calls.
        return String(buffer: bytes).split(separator: "\r\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("Date: ") }.joined(separator: "\r\n")
    }

    @Test func aPlainJSONBookingHasTheHeadItsFieldsGive() {
        let body = ByteBuffer(string: #"{"id":"s-1"}"#)
        let copied = WireAnswer(status: .created, contentType: "application/json", body: body)
        let built = WireAnswer(status: .created, headers: [.contentType: "application/json"], body: body)
        for (version, closing) in [(HTTPVersion.http1_1, false), (.http1_1, true), (.http1_0, false)] {
            #expect(Self.text(copied, version: version, closing: closing) == Self.text(built, version: version, closing: closing))
        }
        #expect(
            Self.text(copied) == "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 12\r\n\r\n{\"id\":\"s-1\"}")
    }

    /// The lane and the links write into one buffer they clear for each message: what is left
    /// of the last one, or a copy still held elsewhere, must not show in the next.
    @Test func aReusedBufferHoldsOnlyTheNextMessage() {
        let long = WireAnswer(
            status: .created, contentType: "application/json", body: ByteBuffer(string: String(repeating: "x", count: 300)))
        let short = WireAnswer(status: .ok, contentType: "text/plain", body: ByteBuffer(string: "ok"))
        var reused = ByteBuffer()
        long.writeHTTP1(into: &reused, version: .http1_1, closing: false)
        let held = reused  // as NIO holds a write not yet done
        reused.clear()
        short.writeHTTP1(into: &reused, version: .http1_1, closing: true)
        let fresh = short.http1Bytes(version: .http1_1, closing: true, allocator: ByteBufferAllocator())
        #expect(String(buffer: reused).hasPrefix("HTTP/1.1 200 OK\r\n") && String(buffer: reused).hasSuffix("\r\n\r\nok"))
        #expect(reused.readableBytes == fresh.readableBytes)
        #expect(String(buffer: held).hasSuffix(String(repeating: "x", count: 300)), "the held copy is untouched")

        let endpoint = HTTPEndpoint(host: "127.0.0.1", port: 8081)
        var request = ByteBuffer()
        HTTP1Request(method: .POST, endpoint: endpoint, target: "/sessions", headers: [:], body: ByteBuffer(string: "{}"))
            .write(into: &request)
        request.clear()
        HTTP1Request(method: .GET, endpoint: endpoint, target: "/health", headers: [:], body: nil).write(into: &request)
        #expect(request == HTTP1Request(method: .GET, endpoint: endpoint, target: "/health", headers: [:], body: nil).bytes())
    }

    @Test func aBufferGrownByALargeMessageIsNotKept() {
        var buffer = ByteBuffer()
        buffer.writeString(String(repeating: "x", count: 100))
        let small = buffer.capacity
        buffer.clearForNextMessage()
        #expect(buffer.readableBytes == 0 && buffer.capacity == small, "a small buffer is kept for the next message")
        buffer.writeString(String(repeating: "x", count: ByteBuffer.reusedCapacityLimit + 1))
        buffer.clearForNextMessage()
        #expect(buffer.readableBytes == 0 && buffer.capacity == 0, "a large one is let go")
    }

    @Test func fieldsAddedLaterAreWritten() {
        var answer = WireAnswer(status: .created, contentType: "application/json", body: ByteBuffer(string: "{}"))
        answer.headers[.location] = "/api/v1/sessions/s-1"
        #expect(Self.text(answer).contains("\r\nLocation: /api/v1/sessions/s-1\r\n"))
        let other = WireAnswer(status: .ok, contentType: "application/json", body: ByteBuffer(string: "{}"))
        #expect(Self.text(other).hasPrefix("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"))
    }

    @Test func numbersAreWrittenAsDecimalDigits() {
        for value in [0, 7, 10, 99, 100, 12_345, 1_000_000, Int.max] {
            var buffer = ByteBuffer()
            buffer.writeDecimal(value)
            #expect(String(buffer: buffer) == String(value))
        }
    }
}
