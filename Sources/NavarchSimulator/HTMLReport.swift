import Foundation

/// A run (or two, compared) as one self-contained HTML page: inline SVG charts and tables, no
/// script and nothing fetched, so it opens offline and can be attached to a ticket.
public enum HTMLReport {
    /// One run's report.
    public static func render(_ report: SimulationReport) -> String {
        let m = report.metrics
        var body = "<h1>\(SVGChart.escape(report.scenario))</h1>"
        body += "<p>seed \(report.seed), \(SimulationReport.format(report.duration)) simulated, \(report.inputs) brain inputs, \(report.refusals) refused</p>"
        body += figuresTable(report)
        body += SVGChart.lines([
            .init(name: "healthy GPUs", color: "#2e7d32", points: m.samples.map { ($0.at, Double($0.healthyGPUs)) }),
            .init(name: "paid GPUs", color: "#555", points: m.samples.map { ($0.at, Double($0.paidGPUs)) }),
        ], title: "GPUs over time", unit: "GPUs")
        body += SVGChart.lines([
            .init(name: "nodes out of service", color: "#c62828", points: m.samples.map { ($0.at, Double($0.outOfService)) }),
        ], title: "Nodes out of service", unit: "nodes")
        body += SVGChart.histogram(m.detectionToCordon, title: "Failure to cordon")
        body += SVGChart.histogram(m.failureToHealthy, title: "Failure to healthy (MTTR)")
        let rungs = ["reset_gpu", "reboot", "replace"]
        body += SVGChart.bars(rungs.map { ($0, Double(m.repairs[$0]?.requested ?? 0)) }, title: "Repairs requested by rung", unit: "repairs")
        body += SVGChart.bars(rungs.map { ($0, Double(m.repairs[$0]?.succeeded ?? 0)) }, title: "Repairs that brought GPUs back", unit: "repairs", color: "#2e7d32")
        let providers = m.providers.sorted { $0.key < $1.key }
        body += SVGChart.bars(providers.flatMap { name, p in
            [("\(name) calls", Double(p.calls.provisions + p.calls.terminations)), ("\(name) errors", Double(p.calls.errors))]
        }, title: "Provider calls and errors", unit: "calls")
        body += SVGChart.bars(providers.map { ($0.key, $0.value.costUSD) }, title: "Cost by provider (USD)", unit: "USD")
        if !report.assertions.isEmpty {
            body += "<h2>Assertions</h2><table><tr><th></th><th>type</th><th>target</th><th>expected</th><th>got</th><th>how it was read</th></tr>"
            for a in report.assertions {
                body += "<tr class=\"\(a.passed ? "pass" : "fail")\"><td>\(a.passed ? "PASS" : "FAIL")</td><td>\(SVGChart.escape(a.type))</td><td>\(SVGChart.escape(a.target))</td><td>\(SVGChart.escape(a.expected))</td><td>\(SVGChart.escape(a.actual))</td><td>\(SVGChart.escape(a.note))</td></tr>"
            }
            body += "</table>"
        }
        if !report.log.isEmpty {
            body += "<h2>Log</h2><pre>" + report.log.map { "[\(SimulationReport.format($0.at))] \(SVGChart.escape($0.message))" }.joined(separator: "\n") + "</pre>"
        }
        return page(title: "Navarch simulation: \(report.scenario)", body: body)
    }

    /// Two runs of the same scenario and seed, side by side with their difference.
    public static func render(_ comparison: SimulationComparison) -> String {
        var body = "<h1>\(SVGChart.escape(comparison.scenario)): \(SVGChart.escape(comparison.names[0])) against \(SVGChart.escape(comparison.names[1]))</h1>"
        body += "<table><tr><th>figure</th><th>\(SVGChart.escape(comparison.names[0]))</th><th>\(SVGChart.escape(comparison.names[1]))</th><th>difference</th></tr>"
        for row in comparison.rows {
            body += "<tr><td>\(SVGChart.escape(row.name))</td><td>\(SVGChart.escape(row.values[0]))</td><td>\(SVGChart.escape(row.values[1]))</td><td>\(SVGChart.escape(row.difference))</td></tr>"
        }
        body += "</table>"
        let colors = ["#2e7d32", "#3b6ea5"]
        body += SVGChart.lines(comparison.reports.enumerated().map { index, report in
            .init(name: "healthy GPUs, \(comparison.names[index])", color: colors[index], points: report.metrics.samples.map { ($0.at, Double($0.healthyGPUs)) })
        }, title: "Healthy GPUs over time", unit: "GPUs")
        return page(title: "Navarch simulation: \(comparison.scenario) compared", body: body)
    }

    static func figuresTable(_ report: SimulationReport) -> String {
        var html = "<table>"
        for row in report.figures() {
            html += "<tr><td>\(SVGChart.escape(row.name))</td><td>\(SVGChart.escape(row.value))</td></tr>"
        }
        return html + "</table>"
    }

    static func page(title: String, body: String) -> String {
        """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>\(SVGChart.escape(title))</title>
        <style>
        body { font: 14px system-ui, sans-serif; margin: 2em auto; max-width: 960px; color: #222; }
        table { border-collapse: collapse; margin: 1em 0; } td, th { border-bottom: 1px solid #ddd; padding: 3px 10px; text-align: left; }
        svg { width: 100%; max-width: 720px; display: block; margin: 1.5em 0; font-size: 10px; } svg .title { font-size: 12px; font-weight: 600; }
        tr.fail td { color: #c62828; } tr.pass td:first-child { color: #2e7d32; } pre { background: #f6f6f6; padding: 1em; overflow-x: auto; }
        </style></head>
        <body>\(body)</body></html>

        """
    }
}
