import Foundation
import Synchronization

/// The `Date` header's value (RFC 9110 5.6.7, `Tue, 25 Nov 2026 02:40:15 GMT`), as Hummingbird
/// sends on the router's answers, made once per second.
public enum HTTPDate {
    private static let latest = Mutex<(second: Int, text: String)>((.min, ""))
    private static let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    public static func now() -> String {
        string(epochSeconds: Int(Date().timeIntervalSince1970))
    }

    static func string(epochSeconds second: Int) -> String {
        if let cached = latest.withLock({ $0.second == second ? $0.text : nil }) { return cached }
        var time = time_t(second)
        var parts = tm()
        gmtime_r(&time, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let text =
            "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
        latest.withLock { $0 = (second, text) }
        return text
    }
}
