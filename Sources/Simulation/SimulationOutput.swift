import Foundation
import Reports

/// The simulator's table, JSON and HTML.
public enum SimulationOutput {
    public static func table(_ results: [PolicyResult]) -> String {
        let header = [
            "policy", "poll s", "energy", "demands met", "rejected", "violations", "max/mean", "CoV", "Jain", ">90% time", "retries",
        ]
        let rows = results.map { result in
            [
                result.policy, number(result.pollIntervalSeconds, 0), percent(result.energyDeliveredRatio),
                percent(result.demandsMetRatio), percent(result.rejectedRatio), String(result.capacityViolations),
                number(result.loadMaxMean, 3), number(result.loadCoV, 3), number(result.jain, 3), percent(result.timeAbove90Ratio),
                String(result.retries),
            ]
        }
        return TextTable.render(header: header, rows: rows)
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
            header: ["policy", "poll s", "energy", "demands met", "rejected", "violations", "max/mean", "CoV", "Jain"],
            rows: report.results.map {
                [
                    $0.policy, number($0.pollIntervalSeconds, 0), percent($0.energyDeliveredRatio), percent($0.demandsMetRatio),
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

    static func number(_ value: Double, _ digits: Int) -> String {
        String(format: "%.\(digits)f", value)
    }

    static func percent(_ value: Double) -> String {
        String(format: "%.1f%%", value * 100)
    }
}
