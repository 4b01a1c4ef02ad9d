import Foundation

/// Timestamps as OCPP writes them: RFC 3339 in UTC.
enum OCPPTime {
    static func text(epochSeconds: Double) -> String {
        Date(timeIntervalSince1970: epochSeconds.rounded(.down)).formatted(.iso8601)
    }
}
