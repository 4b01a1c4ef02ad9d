import NIOCore
import NIOHTTP1
import Testing

@testable import GridHTTP

/// The lane's request reader without a socket: what it frames, and what it leaves to NIO's decoder.
@Suite struct HTTP1RequestReaderTests {
    private static func next(_ text: String, limit: Int = 64) -> HTTP1RequestReader.Next {
        HTTP1RequestReader.next(in: ByteBuffer(string: text), bodyLimit: limit)
    }

    private static func request(_ text: String) throws -> HTTP1RequestReader.Request {
        guard case .request(let request) = next(text) else {
            Issue.record("\(text.debugDescription) was not read as a request")
            throw CancellationError()
        }
        return request
    }

    private static func isUnframed(_ next: HTTP1RequestReader.Next) -> Bool {
        if case .unframed = next { true } else { false }
    }

    @Test func aRequestIsReadWithItsBodyAndItsLength() throws {
        let text =
            "POST /route HTTP/1.1\r\nHost: t\r\nContent-Type:  application/json \r\nContent-Length: 7\r\n\r\n{\"a\":1}GET / HTTP/1.1\r\n"
        let request = try Self.request(text)
        #expect(request.method == .POST && request.target == "/route" && request.version == .http1_1)
        #expect(request.headers.first(name: "content-type") == "application/json")
        #expect(String(buffer: request.body) == #"{"a":1}"#)
        #expect(request.length == text.utf8.count - "GET / HTTP/1.1\r\n".utf8.count, "what follows is the next request's")
        #expect(request.keepAlive)
        let bare = try Self.request("GET /health?full=1 HTTP/1.0\nAccept: */*\n\n")
        #expect(bare.target == "/health?full=1" && bare.version == .http1_0 && bare.body.readableBytes == 0)
        #expect(!bare.keepAlive, "HTTP/1.0 closes unless asked to keep alive")
    }

    @Test func aRequestIsIncompleteUntilItsLastByte() {
        let text = "POST /route HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}"
        for end in 0..<text.utf8.count {
            let prefix = String(decoding: Array(text.utf8)[..<end], as: UTF8.self)
            guard case .incomplete = Self.next(prefix) else {
                Issue.record("\(prefix.debugDescription) was not incomplete")
                return
            }
        }
        #expect(!Self.isUnframed(Self.next(text)))
    }

    @Test func connectionFieldsDecideKeepAlive() throws {
        #expect(try !Self.request("GET / HTTP/1.1\r\nConnection: keep-alive, Close\r\n\r\n").keepAlive)
        #expect(try Self.request("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").keepAlive)
    }

    @Test(arguments: [
        "POST /route HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "POST /route HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n",
        "GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
        "CONNECT host:443 HTTP/1.1\r\n\r\n",
        "POST /route HTTP/1.1\r\nContent-Length: 65\r\n\r\n",
        "POST /route HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
        "POST /route HTTP/1.1\r\nContent-Length: +2\r\n\r\n{}",
        "POST /route HTTP/2.0\r\n\r\n",
        "POST  /route HTTP/1.1\r\n\r\n",
        "POST /route HTTP/1.1 \r\n\r\n",
        "NOT HTTP AT ALL\r\n\r\n",
        "GET / HTTP/1.1\r\nName : value\r\n\r\n",
        "GET / HTTP/1.1\r\n folded: value\r\n\r\n",
        "GET / HTTP/1.1\r\nX: a\u{01}b\r\n\r\n",
        "\r\n\r\n",
    ])
    func whatItDoesNotFrameIsLeftToTheDecoder(text: String) {
        #expect(Self.isUnframed(Self.next(text)), "\(text.debugDescription)")
    }

    @Test func aHeadPastTheLimitIsLeftToTheDecoder() {
        let endless = "GET / HTTP/1.1\r\nX-Filler: " + String(repeating: "f", count: HTTP1Head.limit)
        #expect(Self.isUnframed(Self.next(endless)))
    }
}
