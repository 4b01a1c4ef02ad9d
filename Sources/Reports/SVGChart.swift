/// Small SVG charts as text: no scripts, no external styles, so a report is one file that opens
/// anywhere. Colours are the Okabe-Ito palette, safe for colour-blind readers.
public enum SVGChart {
    public static let palette = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]

    public struct Series: Sendable {
        public var name: String
        public var points: [(x: Double, y: Double)]

        public init(name: String, points: [(x: Double, y: Double)]) {
            self.name = name
            self.points = points
        }
    }

    static let width = 720.0
    static let height = 300.0
    static let margin = (left: 64.0, right: 16.0, top: 32.0, bottom: 64.0)

    /// A line per series over a shared x axis, with a legend.
    public static func lines(title: String, xLabel: String, yLabel: String, series: [Series]) -> String {
        let xs = series.flatMap { $0.points.map(\.x) }
        let ys = series.flatMap { $0.points.map(\.y) }.filter(\.isFinite)
        let xRange = (xs.min() ?? 0, max((xs.max() ?? 1), (xs.min() ?? 0) + 1e-9))
        let yRange = (min(0, ys.min() ?? 0), max((ys.max() ?? 1) * 1.05, 1e-9))
        var svg = frame(title: title, xLabel: xLabel, yLabel: yLabel, xRange: xRange, yRange: yRange)
        for (index, line) in series.enumerated() {
            let colour = palette[index % palette.count]
            let path = line.points.filter { $0.y.isFinite }.map { point in
                "\(format(x(point.x, xRange))),\(format(y(point.y, yRange)))"
            }.joined(separator: " ")
            svg +=
                #"<polyline fill="none" stroke="\#(colour)" stroke-width="2" points="\#(path)"><title>\#(escape(line.name))</title></polyline>"#
        }
        svg += legend(series.map(\.name))
        return svg + "</svg>"
    }

    /// One bar per label.
    public static func bars(title: String, yLabel: String, bars: [(label: String, value: Double)]) -> String {
        let maximum = max(bars.map(\.value).filter(\.isFinite).max() ?? 1, 1e-9) * 1.1
        let yRange = (0.0, maximum)
        var svg = frame(title: title, xLabel: "", yLabel: yLabel, xRange: nil, yRange: yRange)
        let plotWidth = width - margin.left - margin.right
        let slot = plotWidth / Double(max(bars.count, 1))
        for (index, bar) in bars.enumerated() {
            let value = bar.value.isFinite ? bar.value : 0
            let left = margin.left + Double(index) * slot + slot * 0.15
            let top = y(value, yRange)
            let colour = palette[index % palette.count]
            svg +=
                #"<rect x="\#(format(left))" y="\#(format(top))" width="\#(format(slot * 0.7))" height="\#(format(height - margin.bottom - top))" fill="\#(colour)"><title>\#(escape(bar.label)): \#(format(value, digits: 4))</title></rect>"#
            svg +=
                #"<text x="\#(format(left + slot * 0.35))" y="\#(format(top - 4))" text-anchor="middle" font-size="11">\#(format(value, digits: 3))</text>"#
            svg +=
                #"<text x="\#(format(left + slot * 0.35))" y="\#(format(height - margin.bottom + 16))" text-anchor="middle" font-size="11">\#(escape(bar.label))</text>"#
        }
        return svg + "</svg>"
    }

    private static func frame(
        title: String, xLabel: String, yLabel: String, xRange: (Double, Double)?, yRange: (Double, Double)
    ) -> String {
        let bottom = height - margin.bottom
        var svg =
            #"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \#(Int(width)) \#(Int(height))" role="img" aria-label="\#(escape(title))" font-family="sans-serif">"#
        svg += #"<rect width="100%" height="100%" fill="white"/>"#
        svg += #"<text x="\#(format(width / 2))" y="20" text-anchor="middle" font-size="14" font-weight="bold">\#(escape(title))</text>"#
        for step in 0...4 {
            let value = yRange.0 + (yRange.1 - yRange.0) * Double(step) / 4
            let position = y(value, yRange)
            svg +=
                #"<line x1="\#(format(margin.left))" x2="\#(format(width - margin.right))" y1="\#(format(position))" y2="\#(format(position))" stroke="gainsboro"/>"#
            svg +=
                #"<text x="\#(format(margin.left - 6))" y="\#(format(position + 4))" text-anchor="end" font-size="11">\#(format(value, digits: 3))</text>"#
        }
        if let xRange {
            for step in 0...4 {
                let value = xRange.0 + (xRange.1 - xRange.0) * Double(step) / 4
                svg +=
                    #"<text x="\#(format(x(value, xRange)))" y="\#(format(bottom + 16))" text-anchor="middle" font-size="11">\#(format(value, digits: 3))</text>"#
            }
        }
        svg +=
            #"<line x1="\#(format(margin.left))" x2="\#(format(width - margin.right))" y1="\#(format(bottom))" y2="\#(format(bottom))" stroke="dimgray"/>"#
        svg += #"<text x="\#(format(width / 2))" y="\#(format(bottom + 34))" text-anchor="middle" font-size="12">\#(escape(xLabel))</text>"#
        svg +=
            #"<text transform="translate(14 \#(format(margin.top + (bottom - margin.top) / 2))) rotate(-90)" text-anchor="middle" font-size="12">\#(escape(yLabel))</text>"#
        return svg
    }

    private static func legend(_ names: [String]) -> String {
        var svg = ""
        var left = margin.left
        for (index, name) in names.enumerated() {
            let colour = palette[index % palette.count]
            svg += #"<rect x="\#(format(left))" y="\#(format(height - 18))" width="12" height="12" fill="\#(colour)"/>"#
            svg += #"<text x="\#(format(left + 16))" y="\#(format(height - 8))" font-size="11">\#(escape(name))</text>"#
            left += 24 + Double(name.count) * 6.5
        }
        return svg
    }

    private static func x(_ value: Double, _ range: (Double, Double)) -> Double {
        margin.left + (value - range.0) / (range.1 - range.0) * (width - margin.left - margin.right)
    }

    private static func y(_ value: Double, _ range: (Double, Double)) -> Double {
        let bottom = height - margin.bottom
        return bottom - (value - range.0) / (range.1 - range.0) * (bottom - margin.top)
    }

    static func format(_ value: Double, digits: Int = 1) -> String {
        guard value.isFinite else { return "0" }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let rounded = (value * scale).rounded() / scale
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }

    /// Text made safe inside XML and HTML elements and attributes.
    public static func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
