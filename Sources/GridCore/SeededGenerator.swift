/// A small, fast, seedable random number generator (SplitMix64), so that simulations,
/// noise curves and policy tie-breaks are reproducible from a seed.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) {
        self.state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A value in [0, 1) that depends only on `seed` and `key`: noise that is a pure function of time.
    public static func unitValue(seed: UInt64, key: UInt64) -> Double {
        var generator = SeededGenerator(seed: seed ^ (key &* 0xD6E8_FEB8_6659_FD93))
        return Double(generator.next() >> 11) / Double(1 << 53)
    }
}
