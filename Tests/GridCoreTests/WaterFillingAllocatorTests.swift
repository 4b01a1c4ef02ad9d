import GridCore
import Testing

@Suite struct WaterFillingAllocatorTests {
    @Test func plentyOfPowerGivesEveryoneTheirRequest() {
        #expect(WaterFillingAllocator.allocate(available: 100, requests: [11, 22, 7.4]) == [11, 22, 7.4])
    }

    @Test func scarcePowerIsSharedEquallyAmongTheUncapped() {
        // 30 kW for 5 + 50 + 50: the small one gets 5, the two large share the other 25.
        let allocation = WaterFillingAllocator.allocate(available: 30, requests: [5, 50, 50])
        #expect(allocation == [5, 12.5, 12.5])
    }

    @Test func negativeAvailablePowerGivesNothing() {
        #expect(WaterFillingAllocator.allocate(available: -5, requests: [11, 11]) == [0, 0])
    }

    /// Property test over many random cases: never above capacity, never above a request,
    /// equal shares otherwise, and no power wasted while someone still wants more.
    @Test func propertiesHoldOverRandomCases() {
        var generator = SeededGenerator(seed: 42)
        for _ in 0..<5_000 {
            let count = Int.random(in: 0...40, using: &generator)
            let requests = (0..<count).map { _ in Double.random(in: 0.5...350, using: &generator) }
            let available = Double.random(in: 0...2_000, using: &generator)
            let allocation = WaterFillingAllocator.allocate(available: available, requests: requests)
            let total = allocation.reduce(0, +)
            #expect(total <= available + 1e-6)
            let tolerance = 1e-6
            for (granted, requested) in zip(allocation, requests) {
                #expect(granted <= requested + tolerance)
                #expect(granted >= 0)
            }
            let capped = zip(allocation, requests).filter { $0.0 < $0.1 - tolerance }.map(\.0)
            if let level = capped.first {
                // everyone not fully served gets the same share, and at least as much as anyone served in full
                #expect(capped.allSatisfy { abs($0 - level) < 1e-6 })
                #expect(allocation.allSatisfy { $0 <= level + 1e-6 })
                #expect(abs(total - available) < 1e-6)
            } else {
                #expect(abs(total - requests.reduce(0, +)) < 1e-6)
            }
        }
    }
}
