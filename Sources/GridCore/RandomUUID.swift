/// A random (version 4, RFC 9562) UUID as lowercase text, the form order ids take. From the
/// system's generator (`getrandom`): Foundation's `UUID()` opened and closed `/dev/urandom` for
/// every id, two system calls per booking in the gateway.
public enum RandomUUID {
    private static let hexDigits = Array("0123456789abcdef".utf8)

    public static func text() -> String {
        var generator = SystemRandomNumberGenerator()
        return text(using: &generator)
    }

    public static func text<Generator: RandomNumberGenerator>(using generator: inout Generator) -> String {
        // Bytes 0-7 and 8-15, big-endian: the version in byte 6's high nibble, the variant (10) in byte 8's top bits.
        let high = (generator.next() as UInt64) & ~0xF000 | 0x4000
        let low = (generator.next() as UInt64) & ~(0xC0 << 56) | (0x80 << 56)
        var text = [UInt8]()
        text.reserveCapacity(36)
        for (index, half) in [high, low].enumerated() {
            for nibble in 0..<16 {
                let position = index * 16 + nibble
                if position == 8 || position == 12 || position == 16 || position == 20 { text.append(UInt8(ascii: "-")) }
                text.append(hexDigits[Int((half >> UInt64(60 - nibble * 4)) & 0xF)])
            }
        }
        return String(decoding: text, as: UTF8.self)
    }
}
