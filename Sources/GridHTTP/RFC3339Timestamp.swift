import Foundation
import Synchronization

/// RFC 3339 timestamps to the second (`2026-11-24T20:40:15Z`), as `Date.formatted(.iso8601)`
/// writes them, formatted once per second: the formatter costs microseconds, and a busy service
/// stamps thousands of answers and decisions within the same second.
public enum RFC3339Timestamp {
    private static let latest = Mutex<(second: Int64, text: String)>((.min, ""))

    /// The timestamp of `epochSeconds`, rounded down to the second.
    public static func string(epochSeconds: Double) -> String {
        guard epochSeconds.isFinite, abs(epochSeconds) < 1e15 else {
            return Date(timeIntervalSince1970: epochSeconds).formatted(.iso8601)
        }
        let second = Int64(epochSeconds.rounded(.down))
        if let cached = latest.withLock({ $0.second == second ? $0.text : nil }) { return cached }
        let text = Date(timeIntervalSince1970: Double(second)).formatted(.iso8601)
        latest.withLock { $0 = (second, text) }
        return text
    }

    /// Now, to the second.
    public static func now() -> String {
        string(epochSeconds: Date().timeIntervalSince1970)
    }
}
