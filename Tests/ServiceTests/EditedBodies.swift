import GridCore

/// Plain bodies with random edits: bytes removed, inserted or replaced, keys added.
enum EditedBodies {
    static func make(from templates: [String], keys: [String], count: Int, seed: UInt64 = 2026) -> [[UInt8]] {
        var generator = SeededGenerator(seed: seed)
        let pieces = Array(#"{}[]",:\ -+.eE0123456789tfnul"#.utf8) + [0x09, 0x0A, 0x00, 0xC3, 0xA9, 0x7F]
        return (0..<count).map { round in
            var bytes = Array(templates[round % templates.count].utf8)
            for _ in 0...Int.random(in: 0...2, using: &generator) {
                let at = Int.random(in: 0...bytes.count, using: &generator)
                switch Int.random(in: 0..<4, using: &generator) {
                case 0 where !bytes.isEmpty: bytes.remove(at: min(at, bytes.count - 1))
                case 1: bytes.insert(pieces.randomElement(using: &generator)!, at: at)
                case 2 where bytes.first == UInt8(ascii: "{"): bytes.insert(contentsOf: keys.randomElement(using: &generator)!.utf8, at: 1)
                default: if !bytes.isEmpty { bytes[min(at, bytes.count - 1)] = pieces.randomElement(using: &generator)! }
                }
            }
            return bytes
        }
    }

    /// The whole parser's reading of `bytes`; nil if they are not JSON.
    static func parsed(_ bytes: [UInt8]) -> JSONValue? {
        bytes.withUnsafeBytes { raw in try? StrictJSONParser.parse(raw) }
    }
}
