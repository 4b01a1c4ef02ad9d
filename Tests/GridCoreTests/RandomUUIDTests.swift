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

    @Test func aGeneratorsIdsFollowItsBits() {
        var first = SeededGenerator(seed: 7)
        var again = SeededGenerator(seed: 7)
        var other = SeededGenerator(seed: 8)
        let id = RandomUUID.text(using: &first)
        #expect(id == RandomUUID.text(using: &again))
        #expect(id != RandomUUID.text(using: &other))
        #expect(id != RandomUUID.text(using: &first), "the next id takes the next bits")
        #expect(id.split(separator: "-").map(\.count) == [8, 4, 4, 4, 12])
    }
}
