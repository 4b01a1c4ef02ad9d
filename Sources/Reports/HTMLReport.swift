/// One self-contained HTML page: inline style, inline SVG, nothing fetched from anywhere.
public struct HTMLReport: Sendable {
    public var title: String
    public var sections: [String] = []

    public init(title: String) {
        self.title = title
    }

    public mutating func heading(_ text: String) {
        sections.append("<h2>\(SVGChart.escape(text))</h2>")
    }

    public mutating func paragraph(_ text: String) {
        sections.append("<p>\(SVGChart.escape(text))</p>")
    }

    public mutating func chart(_ svg: String) {
        sections.append("<figure>\(svg)</figure>")
    }

    public mutating func table(header: [String], rows: [[String]]) {
        let head = header.map { "<th>\(SVGChart.escape($0))</th>" }.joined()
        let body = rows.map { "<tr>" + $0.map { "<td>\(SVGChart.escape($0))</td>" }.joined() + "</tr>" }.joined()
        sections.append("<table><thead><tr>\(head)</tr></thead><tbody>\(body)</tbody></table>")
    }

    public var html: String {
        """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(SVGChart.escape(title))</title>
        <style>
        body { font-family: system-ui, sans-serif; max-width: 980px; margin: 2em auto; padding: 0 1em; color: #222; }
        figure { margin: 1em 0; } svg { width: 100%; height: auto; border: 1px solid #eee; }
        table { border-collapse: collapse; margin: 1em 0; font-size: 14px; } th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: right; }
        th:first-child, td:first-child { text-align: left; }
        </style></head><body>
        <h1>\(SVGChart.escape(title))</h1>
        \(sections.joined(separator: "\n"))
        </body></html>
        """
    }
}

/// Renders rows as an aligned plain-text table for terminals.
public enum TextTable {
    public static func render(header: [String], rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0.indices.contains(column) ? $0[column].count : 0 }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                let pad = String(repeating: " ", count: widths[index] - cell.count)
                return index == 0 ? cell + pad : pad + cell
            }.joined(separator: "  ")
        }
        let rule = widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")
        return ([line(header), rule] + rows.map(line)).joined(separator: "\n")
    }
}
