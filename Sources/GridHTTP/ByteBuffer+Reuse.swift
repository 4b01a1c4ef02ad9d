import NIOCore

extension ByteBuffer {
    /// A buffer grown past this by one large message is let go rather than kept for the next.
    static let reusedCapacityLimit = 16 * 1024

    /// Empties a buffer a connection writes each of its messages into, for the next one: its
    /// storage is reused once the last message has left (NIO copies on write while it still holds
    /// it), unless one large message grew it, so that a connection never keeps its largest.
    mutating func clearForNextMessage() {
        if capacity > Self.reusedCapacityLimit {
            self = ByteBuffer()
        } else {
            clear()
        }
    }
}
