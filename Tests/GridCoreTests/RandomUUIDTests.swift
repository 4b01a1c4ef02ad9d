import Foundation
import GridCore
import Testing

@Suite struct RandomUUIDTests {
    @Test func idsAreVersion4UUIDsInLowercase() throws {
        var seen = Set<String>()
        for _ in 0..<2000 {
            let text = RandomUUID.text()
            let uuid = try #require(UUID(uuidString: text), "\(text) reads as a UUID")
            #expect(text == uuid.uuidString.lowercased())
            #expect(uuid.uuid.6 >> 4 == 4, "version 4")
            #expect(uuid.uuid.8 >> 6 == 0b10, "the RFC variant")
            seen.insert(text)
        }
        #expect(seen.count == 2000)
    }

    @Test func theBitsAreTheGeneratorsBesideVersionAndVariant() {
        var generator = SeededGenerator(seed: 7)
        var same = SeededGenerator(seed: 7)
        let text = RandomUUID.text(using: &generator)
        let high = (same.next() as UInt64) & ~0xF000 | 0x4000
        let low = (same.next() as UInt64) & ~(0xC0 << 56) | (0x80 << 56)
        let hex = String(format: "%016llx%016llx", high, low)
        #expect(text.replacingOccurrences(of: "-", with: "") == hex)
        #expect(text.split(separator: "-").map(\.count) == [8, 4, 4, 4, 12])
    }
}
