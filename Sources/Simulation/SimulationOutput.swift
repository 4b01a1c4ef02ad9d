import Foundation
import Reports

/// The simulator's table, JSON and HTML.
public enum SimulationOutput {
    /// One row per run; the offline optimum beside every energy figure.
    public static func table(_ results: [PolicyResult], optimum: OfflineOptimumFigure? = nil) -> String {
        let nearly = results.contains { $0.demandsNearlyMetRatio != nil }
        let header =
            ["policy", "allocation", "poll s", "energy", "optimum", "demands met"] + (nearly ? ["met (0.1 kWh)"] : [])
            + ["rejected", "violations", "max/mean", "CoV", "Jain", ">90% time", "retries"]
        let rows = results.map { result in
            [
                result.policy, result.allocation, number(result.pollIntervalSeconds, 0), percent(result.energyDeliveredRatio, 2),
                optimum.map { percent($0.energyDeliveredRatio, 2) } ?? "-", percent(result.demandsMetRatio),
            ]
                + (nearly ? [result.demandsNearlyMetRatio.map { percent($0) } ?? "-"] : [])
                + [
                    percent(result.rejectedRatio), String(result.capacityViolations), number(result.loadMaxMean, 3),
                    number(result.loadCoV, 3), number(result.jain, 3), percent(result.timeAbove90Ratio), String(result.retries),
                ]
        }
        return TextTable.render(header: header, rows: rows)
    }

    /// `--sessions-out`: one row per session and run.
    public static func sessionsCSV(_ runs: [(policy: String, allocation: String, sessions: [SessionOutcome])]) -> String {
        var lines = ["policy,allocation,session_id,substation_id,admitted,energy_requested_kwh,energy_delivered_kwh,status,end_s"]
        for run in runs {
            for session in run.sessions {
                lines.append(
                    [
                        run.policy, run.allocation, session.id, session.substationId ?? "", String(session.admitted),
                        number(session.energyRequestedKWh, 4), number(session.energyDeliveredKWh, 4), session.status,
                        session.endedAt.map { number($0, 0) } ?? "",
                    ].joined(separator: ","))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// How each policy's max/mean degrades as its figures get older.
    public static func sweepTable(_ results: [PolicyResult]) -> String {
        let intervals = Array(Set(results.map(\.pollIntervalSeconds))).sorted()
        let policies = results.map(\.policy).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        let header = ["max/mean load by poll interval (s)"] + intervals.map { number($0, 0) }
        let rows = policies.map { policy in
            [policy]
                + intervals.map { interval in
                    results.first { $0.policy == policy && $0.pollIntervalSeconds == interval }.map { number($0.loadMaxMean, 3) } ?? "-"
                }
        }
        return TextTable.render(header: header, rows: rows)
    }

    /// Byte-identical for the same report: sorted keys, no timestamps.
    public static func json(_ report: SimulationReport) throws -> Data {
        try ReportJSON.encode(report)
    }

    public static func html(_ report: SimulationReport) -> String {
        var page = HTMLReport(title: "smartgrid policy lab")
        let scenario = report.scenario
        page.paragraph(
            "\(scenario.capacitiesKW.count) substations (\(Int(scenario.capacitiesKW.reduce(0, +))) kW in all), "
                + "\(scenario.requests) requests at \(number(scenario.arrivalsPerMinute, 1)) per simulated minute"
                + (scenario.rushHour ? " (rush-hour profile)" : "") + ", seed \(scenario.seed).")
        page.table(
            header: [
                "policy", "allocation", "poll s", "energy", "optimum", "demands met", "rejected", "violations", "max/mean", "CoV", "Jain",
            ],
            rows: report.results.map {
                [
                    $0.policy, $0.allocation, number($0.pollIntervalSeconds, 0), percent($0.energyDeliveredRatio, 2),
                    report.offlineOptimum.map { percent($0.energyDeliveredRatio, 2) } ?? "-", percent($0.demandsMetRatio),
                    percent($0.rejectedRatio), String($0.capacityViolations), number($0.loadMaxMean, 3), number($0.loadCoV, 3),
                    number($0.jain, 3),
                ]
            })
        let label = { (result: PolicyResult) in
            Set(report.results.map(\.pollIntervalSeconds)).count > 1
                ? "\(result.policy) @\(number(result.pollIntervalSeconds, 0))s" : result.policy
        }
        page.chart(
            SVGChart.bars(
                title: "Balance: max/mean substation load (1 is perfect)", yLabel: "max/mean",
                bars: report.results.map { (label($0), $0.loadMaxMean) }))
        page.chart(
            SVGChart.bars(title: "Jain's fairness index (1 is perfect)", yLabel: "Jain", bars: report.results.map { (label($0), $0.jain) }))
        page.chart(
            SVGChart.bars(
                title: "Rejected share of requests", yLabel: "rejected", bars: report.results.map { (label($0), $0.rejectedRatio) }))
        page.chart(
            SVGChart.lines(
                title: "max/mean substation load over time", xLabel: "simulated minutes", yLabel: "max/mean",
                series: report.results.map { result in
                    SVGChart.Series(name: label(result), points: result.loadMaxMeanOverTime.map { (x: $0[0], y: $0[1]) })
                }))
        return page.html
    }

    public static func number(_ value: Double, _ digits: Int) -> String {
        String(format: "%.\(digits)f", value)
    }

    static func percent(_ value: Double, _ digits: Int = 1) -> String {
        String(format: "%.\(digits)f%%", value * 100)
    }
}
