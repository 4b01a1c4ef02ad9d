import Synchronization

/// A text that depends only on the current second (a timestamp), made once per second: a busy
/// service stamps thousands of answers within the same second, and formatting costs microseconds.
final class PerSecondText: Sendable {
    private let latest = Mutex<(second: Int64, text: String)>((.min, ""))
    private let make: @Sendable (Int64) -> String

    init(_ make: @escaping @Sendable (_ epochSecond: Int64) -> String) {
        self.make = make
    }

    func text(epochSecond second: Int64) -> String {
        if let cached = latest.withLock({ $0.second == second ? $0.text : nil }) { return cached }
        let text = make(second)
        latest.withLock { $0 = (second, text) }
        return text
    }
}
