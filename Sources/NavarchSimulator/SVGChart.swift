import Foundation

/// Small charts as inline SVG, so that a report is one file that opens offline: lines over
/// time, bars by name, and a distribution's histogram.
enum SVGChart {
    struct Series {
        var name: String
        var color: String
        var points: [(x: Double, y: Double)]
    }

    static let width = 640.0, height = 220.0, left = 56.0, bottom = 28.0, top = 12.0, right = 12.0

    /// Lines over a shared x axis (seconds, shown in hours or minutes).
    static func lines(_ series: [Series], title: String, unit: String) -> String {
        let xs = series.flatMap { $0.points.map(\.x) }, ys = series.flatMap { $0.points.map(\.y) }
        let maxX = max(xs.max() ?? 1, 1), maxY = max(ys.max() ?? 1, 1)
        func px(_ x: Double) -> Double { left + (width - left - right) * x / maxX }
        func py(_ y: Double) -> Double { height - bottom - (height - bottom - top) * y / maxY }
        var svg = frame(title: title, maxY: maxY, unit: unit)
        let hours = maxX >= 7200
        for tick in 0...4 {
            let x = maxX * Double(tick) / 4
            svg += #"<text x="\#(fmt(px(x)))" y="\#(fmt(height - 8))" text-anchor="middle">\#(hours ? String(format: "%.0fh", x / 3600) : String(format: "%.0fm", x / 60))</text>"#
        }
        for (index, line) in series.enumerated() {
            let path = line.points.map { "\(fmt(px($0.x))),\(fmt(py($0.y)))" }.joined(separator: " ")
            svg += #"<polyline fill="none" stroke="\#(line.color)" stroke-width="1.5" points="\#(path)"/>"#
            svg += #"<text x="\#(fmt(left + 8 + Double(index) * 150))" y="\#(fmt(top + 12))" fill="\#(line.color)">\#(escape(line.name))</text>"#
        }
        return svg + "</svg>"
    }

    /// Bars by label, with their values written on them.
    static func bars(_ values: [(label: String, value: Double)], title: String, unit: String, color: String = "#3b6ea5") -> String {
        let maxY = max(values.map(\.value).max() ?? 1, 1)
        var svg = frame(title: title, maxY: maxY, unit: unit)
        let slot = (width - left - right) / Double(max(values.count, 1))
        for (index, bar) in values.enumerated() {
            let h = (height - bottom - top) * bar.value / maxY
            let x = left + Double(index) * slot + slot * 0.15
            svg += #"<rect x="\#(fmt(x))" y="\#(fmt(height - bottom - h))" width="\#(fmt(slot * 0.7))" height="\#(fmt(h))" fill="\#(color)"/>"#
            svg += #"<text x="\#(fmt(x + slot * 0.35))" y="\#(fmt(height - bottom - h - 3))" text-anchor="middle">\#(number(bar.value))</text>"#
            svg += #"<text x="\#(fmt(x + slot * 0.35))" y="\#(fmt(height - 8))" text-anchor="middle">\#(escape(bar.label))</text>"#
        }
        return svg + "</svg>"
    }

    /// A distribution's histogram, its bins labelled by their upper edge.
    static func histogram(_ distribution: Distribution, title: String) -> String {
        guard distribution.count > 0 else { return "<p class=\"none\">\(escape(title)): none</p>" }
        let values = distribution.histogram.enumerated().map { index, count in
            (label: index % 4 == 3 ? SimulationReport.format(Double(index + 1) * distribution.binWidth) : "", value: Double(count))
        }
        return bars(values, title: "\(title): p50 \(SimulationReport.format(distribution.p50)), p90 \(SimulationReport.format(distribution.p90)), max \(SimulationReport.format(distribution.max))", unit: "failures", color: "#a5563b")
    }

    private static func frame(title: String, maxY: Double, unit: String) -> String {
        var svg = #"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \#(fmt(width)) \#(fmt(height + 18))" role="img" aria-label="\#(escape(title))">"#
        svg += #"<text class="title" x="\#(fmt(left))" y="\#(fmt(height + 14))">\#(escape(title))</text>"#
        svg += #"<line x1="\#(fmt(left))" y1="\#(fmt(height - bottom))" x2="\#(fmt(width - right))" y2="\#(fmt(height - bottom))" stroke="gray"/>"#
        svg += #"<line x1="\#(fmt(left))" y1="\#(fmt(top))" x2="\#(fmt(left))" y2="\#(fmt(height - bottom))" stroke="gray"/>"#
        svg += #"<text x="\#(fmt(left - 4))" y="\#(fmt(top + 8))" text-anchor="end">\#(number(maxY))</text>"#
        svg += #"<text x="\#(fmt(left - 4))" y="\#(fmt(height - bottom))" text-anchor="end">0</text>"#
        svg += #"<text x="4" y="\#(fmt((height - bottom) / 2))">\#(escape(unit))</text>"#
        return svg
    }

    static func fmt(_ value: Double) -> String { String(format: "%.1f", value) }

    static func number(_ value: Double) -> String {
        value.rounded() == value ? "\(Int(value))" : String(format: "%.2f", value)
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
