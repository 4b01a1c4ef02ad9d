import NIOCore
import NIOHTTP1
import Testing

@testable import GridHTTP

/// The keep-alive client's answer reader, fed bytes without a socket: every framing RFC 9112
/// names, answers split at every byte, and the bytes it must refuse.
@Suite struct HTTP1AnswerReaderTests {
    private static func read(
        _ text: String, limit: Int = 1024, head: Bool = false, split: Int? = nil
    ) throws(HTTP1AnswerReader.Failure) -> HTTP1AnswerReader.Answer? {
        var reader = HTTP1AnswerReader(bodyLimit: limit, requestWasHead: head)
        let bytes = Array(text.utf8)
        let pieces = split.map { [Array(bytes[..<$0]), Array(bytes[$0...])] } ?? [bytes]
        var answer: HTTP1AnswerReader.Answer?
        for piece in pieces {
            var buffer = ByteBuffer(bytes: piece)
            if let whole = try reader.read(&buffer) { answer = whole }
        }
        return answer
    }

    private static let created =
        "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 11\r\nX-Spaced:  a b \t\r\n\r\n{\"ok\":true}"

    @Test func aLengthFramedAnswerIsReadWholeAtEverySplit() throws {
        for split in 0...Self.created.utf8.count {
            let answer = try #require(try Self.read(Self.created, split: split), "split at \(split)")
            #expect(answer.status == 201)
            #expect(answer.headers.first(name: "content-type") == "application/json")
            #expect(answer.headers.first(name: "X-Spaced") == "a b", "optional whitespace around a value is not part of it")
            #expect(String(buffer: answer.body) == #"{"ok":true}"#)
            #expect(answer.keepAlive)
        }
    }

    @Test func nothingIsAnsweredUntilTheLastByte() throws {
        var reader = HTTP1AnswerReader(bodyLimit: 1024)
        for byte in Self.created.utf8.dropLast() {
            var buffer = ByteBuffer(bytes: [byte])
            #expect(try reader.read(&buffer) == nil)
        }
        var last = ByteBuffer(bytes: [Self.created.utf8.last!])
        #expect(try reader.read(&last)?.body == ByteBuffer(string: #"{"ok":true}"#))
    }

    @Test func aChunkedAnswerWithExtensionsAndTrailersIsJoined() throws {
        let text =
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;name=value\r\nhello\r\nA\r\n, chunked!\r\n0\r\nX-Trailer: t\r\n\r\n"
        for split in 0...text.utf8.count {
            let answer = try #require(try Self.read(text, split: split))
            #expect(String(buffer: answer.body) == "hello, chunked!")
            #expect(answer.keepAlive)
        }
    }

    @Test func answersWithoutABodyEndAtTheirHead() throws {
        let noContent = try #require(try Self.read("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n"))
        #expect(noContent.body.readableBytes == 0 && noContent.keepAlive)
        let notModified = try #require(try Self.read("HTTP/1.1 304 Not Modified\r\n\r\n"))
        #expect(notModified.status == 304)
        let toHead = try #require(try Self.read("HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n", head: true))
        #expect(toHead.body.readableBytes == 0 && toHead.keepAlive, "the answer to a HEAD has no body whatever it declares")
        let empty = try #require(try Self.read("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"))
        #expect(empty.body.readableBytes == 0)
    }

    @Test func interimAnswersArePassedOver() throws {
        let text =
            "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
        let answer = try #require(try Self.read(text))
        #expect(answer.status == 200 && String(buffer: answer.body) == "ok")
        #expect(answer.headers.first(name: "Link") == nil, "an interim answer's fields are not the answer's")
    }

    @Test func aBodyWithoutLengthRunsToTheEndOfTheConnection() throws {
        var reader = HTTP1AnswerReader(bodyLimit: 1024)
        var bytes = ByteBuffer(string: "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil ")
        #expect(try reader.read(&bytes) == nil)
        var more = ByteBuffer(string: "close")
        #expect(try reader.read(&more) == nil)
        let answer = try reader.endOfInput()
        #expect(String(buffer: answer.body) == "until close")
        #expect(!answer.keepAlive)
    }

    @Test func anAnswerCutShortFailsAtTheEndOfInput() throws {
        var reader = HTTP1AnswerReader(bodyLimit: 1024)
        var bytes = ByteBuffer(string: "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort")
        #expect(try reader.read(&bytes) == nil)
        #expect(throws: HTTP1AnswerReader.Failure.endedEarly) { try reader.endOfInput() }
        var headOnly = HTTP1AnswerReader(bodyLimit: 1024)
        var partial = ByteBuffer(string: "HTTP/1.1 200 OK\r\nContent-Le")
        #expect(try headOnly.read(&partial) == nil)
        #expect(throws: HTTP1AnswerReader.Failure.endedEarly) { try headOnly.endOfInput() }
    }

    @Test func theLinkIsKeptOnlyWhenTheServerKeepsIt() throws {
        #expect(try Self.read("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")?.keepAlive == false)
        #expect(try Self.read("HTTP/1.1 200 OK\r\nConnection: Upgrade, Close\r\nContent-Length: 0\r\n\r\n")?.keepAlive == false)
        #expect(try Self.read("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n")?.keepAlive == false)
        #expect(try Self.read("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n")?.keepAlive == true)
        #expect(
            try Self.read("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n")?.keepAlive == false,
            "bytes after the answer were never asked for")
        #expect(
            try Self.read("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n0\r\n\r\n")?.keepAlive == false,
            "an answer with both framings is read by its chunks and its link dropped")
        let chunkedWithBadLength = try Self.read(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, Chunked\r\nContent-Length: x\r\n\r\n2\r\nok\r\n0\r\n\r\n")
        #expect(String(buffer: try #require(chunkedWithBadLength).body) == "ok", "the last coding frames it; Content-Length is ignored")
        #expect(
            try Self.read("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\nabc")?.keepAlive == nil,
            "a body whose last coding is not chunked runs until the close")
    }

    @Test func bodiesOverTheLimitAreRefused() {
        #expect(throws: HTTP1AnswerReader.Failure.bodyTooLarge(limit: 4)) {
            try Self.read("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n12345", limit: 4)
        }
        #expect(throws: HTTP1AnswerReader.Failure.bodyTooLarge(limit: 4)) {
            try Self.read("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n", limit: 4)
        }
        #expect(throws: HTTP1AnswerReader.Failure.bodyTooLarge(limit: 4)) {
            var reader = HTTP1AnswerReader(bodyLimit: 4)
            var bytes = ByteBuffer(string: "HTTP/1.1 200 OK\r\n\r\n12345")
            _ = try reader.read(&bytes)
        }
    }

    @Test(arguments: [
        "HTTP/2 200 OK\r\n\r\n",
        "HTTP/1.1 20 OK\r\n\r\n",
        "HTTP/1.1 2000 OK\r\n\r\n",
        "HTTP/1.1 099 Low\r\n\r\n",
        "ICY 200 OK\r\n\r\n",
        "HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n",
        "HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n",
        "HTTP/1.1 200 OK\r\n: empty name\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n;ext\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n",
        "\r\n\r\n",
        "HTTP/1.1 200 OK\nContent-Length: 0\n\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\nok\r\n0\r\n\r\n",
    ])
    func malformedAnswersAreRefused(text: String) {
        #expect(throws: (any Error).self, "\(text.debugDescription)") {
            try Self.read(text)
        }
        do {
            _ = try Self.read(text)
        } catch {
            guard case .malformed = error else {
                Issue.record("\(text.debugDescription) failed as \(error), not as malformed")
                return
            }
        }
    }

    @Test func aHeadThatNeverEndsIsRefusedAtTheLimit() {
        var reader = HTTP1AnswerReader(bodyLimit: 1024)
        var status = ByteBuffer(string: "HTTP/1.1 200 OK\r\n")
        #expect(throws: Never.self) { _ = try reader.read(&status) }
        let line = ByteBuffer(string: "X-Filler: " + String(repeating: "f", count: 1000) + "\r\n")
        #expect(throws: HTTP1AnswerReader.Failure.malformed("a head longer than \(HTTP1Head.limit) bytes")) {
            for _ in 0..<100 {
                var piece = line
                _ = try reader.read(&piece)
            }
        }
    }

    @Test func aRequestIsOneBufferWithItsHostAndLength() {
        let endpoint = HTTPEndpoint(host: "127.0.0.1", port: 8081)
        let post = HTTP1Request(
            method: .POST, endpoint: endpoint, target: "/sessions?x=1",
            headers: ["Content-Type": "application/json", "Host": "elsewhere", "Content-Length": "99"], body: ByteBuffer(string: "{}")
        ).bytes()
        #expect(
            String(buffer: post)
                == "POST /sessions?x=1 HTTP/1.1\r\nHost: 127.0.0.1:8081\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")
        let get = HTTP1Request(method: .GET, endpoint: endpoint, target: "/health", headers: [:], body: nil).bytes()
        #expect(String(buffer: get) == "GET /health HTTP/1.1\r\nHost: 127.0.0.1:8081\r\n\r\n")
        let emptyPost = HTTP1Request(method: .POST, endpoint: endpoint, target: "/", headers: [:], body: nil).bytes()
        #expect(String(buffer: emptyPost) == "POST / HTTP/1.1\r\nHost: 127.0.0.1:8081\r\nContent-Length: 0\r\n\r\n")
    }
}
