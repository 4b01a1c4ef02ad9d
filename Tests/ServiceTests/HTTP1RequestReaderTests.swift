import NIOCore
import NIOHTTP1
import Testing

@testable import GridHTTP

/// The lane's request reader without a socket: what it frames, and what it leaves to NIO's decoder.
@Suite struct HTTP1RequestReaderTests {
    private static func next(_ text: String, limit: Int = 64, scanned: Int = 0) -> HTTP1RequestReader.Next {
        HTTP1RequestReader.head(in: ByteBuffer(string: text), scanned: scanned, bodyLimit: limit)
    }

    private static func head(_ text: String) throws -> HTTP1RequestReader.Head {
        guard case .head(let head) = next(text) else {
            Issue.record("\(text.debugDescription) was not read as a request")
            throw CancellationError()
        }
        return head
    }

    private static func isUnframed(_ next: HTTP1RequestReader.Next) -> Bool {
        if case .unframed = next { true } else { false }
    }

    @Test func aHeadIsReadWithItsLengthAndItsBodysLength() throws {
        let head = "POST /route HTTP/1.1\r\nHost: t\r\nContent-Type:  application/json \r\nContent-Length: 7\r\n\r\n"
        let read = try Self.head(head + "{\"a\":1}GET / HTTP/1.1\r\n")
        #expect(read.method == .POST && read.target == "/route" && read.version == .http1_1)
        #expect(read.headers.first(name: "content-type") == "application/json")
        #expect(read.contentType.first == "application/json" && read.contentType.count == 1, "read with the head, spaces trimmed")
        #expect(read.length == head.utf8.count && read.bodyLength == 7, "what follows the body is the next request's")
        #expect(read.keepAlive)
        let request = HTTP1RequestReader.Request(head: read, body: ByteBuffer(string: "{\"a\":1}"))
        #expect(request.length == head.utf8.count + 7)
        let bare = try Self.head("GET /health?full=1 HTTP/1.0\r\nAccept: */*\r\n\r\n")
        #expect(bare.target == "/health?full=1" && bare.version == .http1_0 && bare.bodyLength == 0)
        #expect(!bare.keepAlive, "HTTP/1.0 closes unless asked to keep alive")
    }

    @Test func aFieldIsReadFromTheBytesInAnyCase() throws {
        let read = try Self.head("POST /route HTTP/1.1\r\nX-Tag: one\r\ncontent-type: application/json\r\nx-tag: two\r\n\r\n")
        #expect(read.field("Content-Type").first == "application/json" && read.field("Content-Type").count == 1)
        #expect(read.field("X-Tag").first == "one" && read.field("X-Tag").count == 2)
        #expect(read.field("Idempotency-Key").first == nil && read.field("Idempotency-Key").count == 0)
        #expect(read.headers[canonicalForm: "x-tag"] == ["one", "two"], "every field is there when asked for whole")
        #expect(read.contentType.first == read.field("Content-Type").first && read.contentType.count == 1)
        let twice = try Self.head("POST /route HTTP/1.1\r\nContent-Type: text/plain\r\nCONTENT-TYPE: application/json\r\n\r\n")
        #expect(twice.contentType.first == "text/plain" && twice.contentType.count == 2, "the first, and how many")
        #expect(try Self.head("GET / HTTP/1.1\r\n\r\n").contentType.count == 0)
        let tabbed = try Self.head("POST /route HTTP/1.1\r\nContent-Type:\tapplication/json\t\r\n\r\n")
        #expect(tabbed.contentType.first == "application/json" && tabbed.contentType.first == tabbed.field("Content-Type").first)
        let empty = try Self.head("POST /route HTTP/1.1\r\nContent-Type:\r\n\r\n")
        #expect(empty.contentType.first == "" && empty.contentType.count == 1 && empty.field("Content-Type").first == "")
    }

    @Test func aHeadIsIncompleteUntilItsBlankLineAndIsSearchedOnlyOnce() {
        let text = "POST /route HTTP/1.1\r\nContent-Length: 2\r\n\r\n"
        var scanned = 0
        for end in 0..<text.utf8.count {
            let prefix = String(decoding: Array(text.utf8)[..<end], as: UTF8.self)
            guard case .incomplete(let searched) = Self.next(prefix, scanned: scanned) else {
                Issue.record("\(prefix.debugDescription) was not incomplete")
                return
            }
            #expect(searched == end, "everything so far was searched")
            scanned = searched
        }
        guard case .head = Self.next(text, scanned: scanned) else {
            Issue.record("the whole head, searched from where the last look stopped, was not found")
            return
        }
    }

    @Test func connectionFieldsDecideKeepAlive() throws {
        #expect(try !Self.head("GET / HTTP/1.1\r\nConnection: keep-alive, Close\r\n\r\n").keepAlive)
        #expect(try Self.head("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").keepAlive)
    }

    @Test(arguments: [
        "POST /route HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "POST /route HTTP/1.1\r\nTransfer-Encoding:\r\nContent-Length: 2\r\n\r\n{}",
        "POST /route HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n",
        "GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
        "CONNECT host:443 HTTP/1.1\r\n\r\n",
        "POST /route HTTP/1.1\r\nContent-Length: 65\r\n\r\n",
        "POST /route HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
        "POST /route HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}",
        "POST /route HTTP/1.1\r\nContent-Length: +2\r\n\r\n{}",
        "POST /route HTTP/2.0\r\n\r\n",
        "POST  /route HTTP/1.1\r\n\r\n",
        "POST /route HTTP/1.1 \r\n\r\n",
        "post /route HTTP/1.1\r\n\r\n",
        "BREW /pot HTTP/1.1\r\n\r\n",
        "NOT HTTP AT ALL\r\n\r\n",
        "GET / HTTP/1.1\r\nName : value\r\n\r\n",
        "GET / HTTP/1.1\r\n folded: value\r\n\r\n",
        "GET / HTTP/1.1\r\nX: a\u{01}b\r\n\r\n",
        "GET / HTTP/1.1\nHost: t\n\n",
        "GET / HTTP/1.1\r\nHost: t\n\r\n",
        "\r\n\r\n",
    ])
    func whatItDoesNotFrameIsLeftToTheDecoder(text: String) {
        #expect(Self.isUnframed(Self.next(text)), "\(text.debugDescription)")
    }

    @Test func tooManyFieldsOrTooLongAHeadIsLeftToTheDecoder() {
        let many = "GET / HTTP/1.1\r\n" + (0...HTTP1RequestReader.fieldLimit).map { "X-\($0): v\r\n" }.joined() + "\r\n"
        #expect(Self.isUnframed(Self.next(many)))
        let endless = "GET / HTTP/1.1\r\nX-Filler: " + String(repeating: "f", count: HTTP1Head.limit)
        #expect(Self.isUnframed(Self.next(endless)))
    }
}
