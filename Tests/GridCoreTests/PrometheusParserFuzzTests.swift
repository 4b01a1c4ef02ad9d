import GridCore
import Testing

/// The balancer reads whatever a substation's `/metrics` serves: garbage must give an error,
/// never a crash or a hang, and whatever parses must be well formed.
@Suite struct PrometheusParserFuzzTests {
    static let exposition = """
        # HELP substation_load Base load plus requested EV power over capacity.
        # TYPE substation_load gauge
        substation_load{substation="S1"} 0.4375
        substation_capacity_kw{substation="S1"} 400
        substation_sessions_total{substation="S1",outcome="admitted"} 12
        substation_power_kw{substation="S1",note="a \\"quoted\\" \\\\ value\\n"} 1.5e2 1700000000000
        up 1

        """

    @Test func randomBytesAndMutationsNeverCrash() {
        var generator = SeededGenerator(seed: 78)
        let seed = Array(Self.exposition.utf8)
        let alphabet = Array("{}=\",#\\ \n_aZ09.eE+-NaInf".utf8) + [0x00, 0xFF, 0xC3]
        var parsed = 0
        for round in 0..<20_000 {
            var bytes: [UInt8]
            if round % 4 == 0 {
                bytes = (0..<Int.random(in: 0..<80, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            } else {
                bytes = seed
                for _ in 0..<Int.random(in: 1...4, using: &generator) {
                    let at = Int.random(in: 0..<bytes.count, using: &generator)
                    switch Int.random(in: 0..<3, using: &generator) {
                    case 0: bytes.remove(at: at)
                    case 1: bytes[at] = alphabet.randomElement(using: &generator)!
                    default: bytes.insert(alphabet.randomElement(using: &generator)!, at: at)
                    }
                }
            }
            guard let samples = try? PrometheusTextParser.parse(String(decoding: bytes, as: UTF8.self)) else { continue }
            parsed += 1
            #expect(samples.allSatisfy { !$0.name.isEmpty })
        }
        #expect(parsed > 1_000, "many mutations leave the text valid: \(parsed)")
    }
}
