import NIOCore
import NIOHTTP1

/// A request to send on a keep-alive link, and its HTTP/1.1 bytes: request line, header fields,
/// blank line, body, written in one piece without NIO's encoder. The link's handler writes them
/// into a buffer it reuses (`write(into:)`), so sending costs no allocation once the last request
/// has left. `Host` is the endpoint's; a body, or a POST or PUT without one, gets its
/// `Content-Length` (RFC 9110 section 8.6), replacing any given. The header fields are not
/// validated here: they are this code's own or were parsed from a request already, and
/// `HTTPEndpoint` checked the target.
struct HTTP1Request: Sendable {
    var method: HTTPMethod
    var endpoint: HTTPEndpoint
    var target: String
    var headers: HTTPHeaders
    var body: ByteBuffer?

    /// The bytes in a buffer of their own.
    func bytes(allocator: ByteBufferAllocator = ByteBufferAllocator()) -> ByteBuffer {
        var bytes = allocator.buffer(capacity: 0)
        write(into: &bytes)
        return bytes
    }

    /// The bytes, at the end of `bytes`.
    func write(into bytes: inout ByteBuffer) {
        let bodyLength = body?.readableBytes ?? 0
        bytes.reserveCapacity(minimumWritableBytes: 160 + target.utf8.count + bodyLength + headers.count * 48)
        bytes.writeString(method.rawValue)
        bytes.writeStaticString(" ")
        bytes.writeString(target)
        bytes.writeStaticString(" HTTP/1.1\r\nHost: ")
        bytes.writeString(endpoint.hostHeader)
        bytes.writeStaticString("\r\n")
        let sendsLength = body != nil || method == .POST || method == .PUT
        for (name, value) in headers {
            if name.utf8.count == 4, name.lowercased() == "host" { continue }
            if sendsLength, name.utf8.count == 14, name.lowercased() == "content-length" { continue }
            bytes.writeString(name)
            bytes.writeStaticString(": ")
            bytes.writeString(value)
            bytes.writeStaticString("\r\n")
        }
        if sendsLength {
            bytes.writeStaticString("Content-Length: ")
            bytes.writeString(String(bodyLength))
            bytes.writeStaticString("\r\n")
        }
        bytes.writeStaticString("\r\n")
        if var body {
            bytes.writeBuffer(&body)
        }
    }
}
