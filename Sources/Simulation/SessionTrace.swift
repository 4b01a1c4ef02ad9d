import GridCore

/// Charging sessions to replay, read from a CSV in the format of the reference data
/// (`session_id,arrival_s,departure_s,energy_kwh,max_power_kw,station_id,substation_id`, header
/// first, any column order): an empty `departure_s` means the car stays until full, an empty
/// `substation_id` lets the routing policy choose.
public struct SessionTrace: Equatable, Sendable {
    public struct Record: Equatable, Sendable {
        public var id: String
        /// Seconds on the trace's clock.
        public var arrival: Double
        public var departure: Double?
        public var energyKWh: Double
        public var maxPowerKW: Double
        public var stationId: String
        public var substationId: String?
    }

    /// In order of arrival (file order among equal arrivals).
    public var records: [Record]
    /// The substations the trace names, in order of first appearance.
    public var substationIds: [String]

    public static let columns = ["session_id", "arrival_s", "departure_s", "energy_kwh", "max_power_kw", "station_id", "substation_id"]

    /// Parses the whole file or throws at its first problem, as `FILE:LINE: what is wrong`.
    public static func parse(_ text: String, file: String) throws(TraceError) -> SessionTrace {
        // "\r\n" is one Character in Swift: split on either ending.
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        while let last = lines.last, last.allSatisfy({ $0 == " " }) { lines.removeLast() }
        guard let header = lines.first else { throw TraceError(file: file, line: 1, message: "empty file: expected a header line") }
        let names = header.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingSpaces }
        var column: [String: Int] = [:]
        for (index, name) in names.enumerated() { column[name] = index }
        for name in columns where column[name] == nil {
            throw TraceError(
                file: file, line: 1, message: "missing column '\(name)' in the header (expected \(columns.joined(separator: ",")))")
        }
        guard lines.count > 1 else { throw TraceError(file: file, line: 2, message: "no sessions after the header") }
        var records: [Record] = []
        var lineOf: [String: Int] = [:]
        for (offset, line) in lines.enumerated().dropFirst() {
            let lineNumber = offset + 1
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingSpaces }
            guard fields.count == names.count else {
                throw TraceError(file: file, line: lineNumber, message: "expected \(names.count) fields, got \(fields.count)")
            }
            func field(_ name: String) -> String { fields[column[name]!] }
            func numeric(_ name: String) throws(TraceError) -> Double {
                guard let value = Double(field(name)), value.isFinite else {
                    throw TraceError(file: file, line: lineNumber, message: "\(name) '\(field(name))' is not a number")
                }
                return value
            }
            let id = field("session_id")
            guard ChargeRequest.isValidIdentifier(id) else {
                throw TraceError(file: file, line: lineNumber, message: "session_id '\(id)' must be 1-64 characters of A-Za-z0-9._-")
            }
            if let first = lineOf[id] {
                throw TraceError(file: file, line: lineNumber, message: "duplicate session_id '\(id)' (first on line \(first))")
            }
            lineOf[id] = lineNumber
            let arrival = try numeric("arrival_s")
            var departure: Double?
            if !field("departure_s").isEmpty { departure = try numeric("departure_s") }
            if let departure, departure <= arrival {
                throw TraceError(
                    file: file, line: lineNumber,
                    message: "departure_s \(field("departure_s")) is not after arrival_s \(field("arrival_s"))")
            }
            let energy = try numeric("energy_kwh")
            guard energy > 0 else { throw TraceError(file: file, line: lineNumber, message: "energy_kwh must be above 0") }
            let power = try numeric("max_power_kw")
            guard power > 0 else { throw TraceError(file: file, line: lineNumber, message: "max_power_kw must be above 0") }
            let substation = field("substation_id")
            guard substation.isEmpty || ChargeRequest.isValidIdentifier(substation) else {
                throw TraceError(
                    file: file, line: lineNumber, message: "substation_id '\(substation)' must be 1-64 characters of A-Za-z0-9._-")
            }
            records.append(
                Record(
                    id: id, arrival: arrival, departure: departure, energyKWh: energy, maxPowerKW: power,
                    stationId: field("station_id"), substationId: substation.isEmpty ? nil : substation))
        }
        var substationIds: [String] = []
        for record in records {
            if let id = record.substationId, !substationIds.contains(id) { substationIds.append(id) }
        }
        let order = records.indices.sorted {
            records[$0].arrival != records[$1].arrival ? records[$0].arrival < records[$1].arrival : $0 < $1
        }
        return SessionTrace(records: order.map { records[$0] }, substationIds: substationIds)
    }

    /// Energy asked for by every session.
    public var energyRequestedKWh: Double { records.reduce(0) { $0 + $1.energyKWh } }
}

extension Substring {
    fileprivate var trimmingSpaces: String {
        var text = self
        while text.first == " " { text.removeFirst() }
        while text.last == " " { text.removeLast() }
        return String(text)
    }
}
