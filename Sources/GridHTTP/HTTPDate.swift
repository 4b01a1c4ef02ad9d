import Foundation

/// The `Date` header's value (RFC 9110 5.6.7, `Tue, 25 Nov 2026 02:40:15 GMT`), as Hummingbird
/// sends on the router's answers, made once per second (`PerSecondText`).
public enum HTTPDate {
    private static let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    private static let latest = PerSecondText { format(epochSecond: $0) }

    public static func now() -> String {
        latest.text(epochSecond: Int64(Date().timeIntervalSince1970))
    }

    static func format(epochSecond: Int64) -> String {
        var time = time_t(epochSecond)
        var parts = tm()
        gmtime_r(&time, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }
}
