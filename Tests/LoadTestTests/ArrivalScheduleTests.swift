import LoadTest
import Testing

@Suite struct ArrivalScheduleTests {
    @Test func constantArrivalsAreExactlyRateTimesDuration() {
        let times = ArrivalSchedule(rate: 250, duration: 4, arrivals: .constant).sendTimes()
        #expect(abs(times.count - 1_000) <= 1)
        #expect(times == times.sorted())
        #expect(times.last! < 4)
    }

    @Test func poissonArrivalsAverageTheRate() {
        let times = ArrivalSchedule(rate: 1_000, duration: 20, arrivals: .poisson, seed: 9).sendTimes()
        #expect(abs(Double(times.count) - 20_000) / 20_000 < 0.05, "\(times.count) arrivals")
        #expect(ArrivalSchedule(rate: 1_000, duration: 20, arrivals: .poisson, seed: 9).sendTimes() == times, "same seed, same schedule")
    }

    @Test func rushHourRampsUpPeaksAndRampsDown() {
        let schedule = ArrivalSchedule(rate: 100, duration: 100, arrivals: .constant, profile: .rushHour)
        let times = schedule.sendTimes()
        let first = times.filter { $0 < 20 }.count
        let peak = times.filter { $0 >= 40 && $0 < 60 }.count
        let last = times.filter { $0 >= 80 }.count
        #expect(peak > first * 2 && peak > last * 2, "first \(first), peak \(peak), last \(last)")
        #expect(abs(peak - 2_000) <= 2, "the peak runs at the stated rate")
    }
}

@Suite struct FailureThresholdTests {
    @Test func parsesTheDocumentedForms() {
        #expect(FailureThreshold("error-rate>0.01") == FailureThreshold("error-rate > 0.01"))
        #expect(FailureThreshold("p99>0.25")?.metric == .p99)
        #expect(FailureThreshold("rps<100")?.above == false)
        for bad in ["p99", "p98>1", "p99>>1", "p99>abc", "p99<>1", "error-rate>inf"] {
            #expect(FailureThreshold(bad) == nil, "\(bad)")
        }
    }
}
