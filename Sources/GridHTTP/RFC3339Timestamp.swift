import Foundation

/// RFC 3339 timestamps to the second (`2026-11-24T20:40:15Z`), as `Date.formatted(.iso8601)`
/// writes them, formatted once per second (`PerSecondText`).
public enum RFC3339Timestamp {
    private static let latest = PerSecondText { Date(timeIntervalSince1970: Double($0)).formatted(.iso8601) }

    /// The timestamp of `epochSeconds`, rounded down to the second.
    public static func string(epochSeconds: Double) -> String {
        guard epochSeconds.isFinite, abs(epochSeconds) < 1e15 else {
            return Date(timeIntervalSince1970: epochSeconds).formatted(.iso8601)
        }
        return latest.text(epochSecond: Int64(epochSeconds.rounded(.down)))
    }

    /// Now, to the second.
    public static func now() -> String {
        string(epochSeconds: Date().timeIntervalSince1970)
    }
}
