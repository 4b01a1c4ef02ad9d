import Foundation
import Reports

/// The load tester's summary table, JSON and HTML report.
public enum LoadTestOutput {
    public static func summary(_ report: LoadTestReport) -> String {
        var lines = [
            "\(report.mode) loop against \(report.target): \(report.requests) requests in \(format(report.durationSeconds, 2)) s = \(format(report.requestsPerSecond, 1)) req/s, "
                + "errors \(report.errors) (\(format(report.errorRate * 100, 2))%)",
            "",
            TextTable.render(
                header: ["latency", "p50", "p90", "p99", "p99.9", "max", "mean"],
                rows: [
                    ["ms"]
                        + [
                            report.latency.p50, report.latency.p90, report.latency.p99, report.latency.p999, report.latency.max,
                            report.latency.mean,
                        ].map {
                            format($0 * 1000, 2)
                        }
                ]),
            "",
            TextTable.render(
                header: ["status", "answers"],
                rows: report.statuses.keys.sorted().map { [$0 == "0" ? "no answer" : $0, String(report.statuses[$0]!)] }),
        ]
        if !report.problems.isEmpty {
            lines += [
                "",
                TextTable.render(
                    header: ["problem type", "answers"], rows: report.problems.keys.sorted().map { [$0, String(report.problems[$0]!)] }),
            ]
        }
        if let waits = report.waits {
            lines += [
                "",
                TextTable.render(
                    header: ["waited in line", "p50", "p90", "p99", "max"],
                    rows: [["s"] + [waits.p50, waits.p90, waits.p99, waits.max].map { format($0, 1) }]),
                "",
                TextTable.render(
                    header: ["wait ended", "cars"], rows: waits.endings.keys.sorted().map { [$0, String(waits.endings[$0]!)] }),
            ]
        }
        if !report.assignments.isEmpty {
            lines += [
                "",
                TextTable.render(
                    header: ["substation", "admitted"],
                    rows: report.assignments.keys.sorted().map { [$0, String(report.assignments[$0]!)] }),
            ]
        }
        if let balance = report.balance {
            lines += [
                "",
                "balance over \(balance.samples) grid samples: max/mean \(format(balance.maxOverMean, 3)), CoV \(format(balance.coefficientOfVariation, 3)), Jain \(format(balance.jainIndex, 3))",
            ]
        }
        return lines.joined(separator: "\n")
    }

    public static func json(_ report: LoadTestReport) throws -> Data {
        try ReportJSON.encode(report)
    }

    public static func html(_ report: LoadTestReport) -> String {
        var page = HTMLReport(title: "smartgrid load test")
        page.paragraph(
            "\(report.mode) loop against \(report.target): \(report.requests) requests in \(format(report.durationSeconds, 2)) s "
                + "(\(format(report.requestsPerSecond, 1)) req/s), error rate \(format(report.errorRate * 100, 2))%.")
        page.table(
            header: ["latency (ms)", "p50", "p90", "p99", "p99.9", "max"],
            rows: [
                ["all requests"]
                    + [report.latency.p50, report.latency.p90, report.latency.p99, report.latency.p999, report.latency.max].map {
                        format($0 * 1000, 2)
                    }
            ])
        let ids = Set(report.grid.flatMap { $0.loads.keys }).sorted()
        page.chart(
            SVGChart.lines(
                title: "Load per substation", xLabel: "seconds", yLabel: "substation_load",
                series: ids.map { id in
                    SVGChart.Series(name: id, points: report.grid.compactMap { sample in sample.loads[id].map { (x: sample.time, y: $0) } })
                }))
        page.chart(
            SVGChart.lines(
                title: "Latency percentiles per second", xLabel: "seconds", yLabel: "ms",
                series: [
                    SVGChart.Series(name: "p50", points: report.perSecond.map { (x: Double($0.time), y: $0.p50 * 1000) }),
                    SVGChart.Series(name: "p99", points: report.perSecond.map { (x: Double($0.time), y: $0.p99 * 1000) }),
                ]))
        page.chart(
            SVGChart.lines(
                title: "Requests answered per second", xLabel: "seconds", yLabel: "req/s",
                series: [
                    SVGChart.Series(name: "answers", points: report.perSecond.map { (x: Double($0.time), y: Double($0.requestsPerSecond)) })
                ]))
        page.chart(
            SVGChart.bars(
                title: "Answers by status", yLabel: "answers",
                bars: report.statuses.keys.sorted().map { (label: $0 == "0" ? "no answer" : $0, value: Double(report.statuses[$0]!)) }))
        return page.html
    }

    static func format(_ value: Double, _ digits: Int) -> String {
        String(format: "%.\(digits)f", value)
    }
}
