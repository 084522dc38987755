import Foundation

/// The result of `dcgmi health -c -j`: the overall verdict and every incident DCGM reported.
public struct DCGMHealthReport: Sendable, Equatable {
    /// One system DCGM watches (memory, PCIe, NVLink, thermal, ...) that is not healthy.
    public struct Incident: Sendable, Equatable {
        /// Where DCGM put it, for example `GPU ID: 0 / Memory`.
        public var path: String
        public var status: CheckStatus
        public var message: String

        public init(path: String, status: CheckStatus, message: String) {
            self.path = path
            self.status = status
            self.message = message
        }
    }

    public var overall: CheckStatus
    public var incidents: [Incident]

    public static func parse(_ text: String) throws -> DCGMHealthReport {
        let root = try JSONDocument.object(in: text, tool: "dcgmi health")
        guard let body = root["body"] as? [String: Any] else { throw ToolOutputError(tool: "dcgmi health", problem: "no body") }
        guard let overall = (body["Overall Health"] as? [String: Any])?["value"] as? String else {
            throw ToolOutputError(tool: "dcgmi health", problem: "no \"Overall Health\" value")
        }
        var incidents: [Incident] = []
        collect(body, path: [], into: &incidents)
        return DCGMHealthReport(overall: status(overall), incidents: incidents)
    }

    static func status(_ text: String) -> CheckStatus {
        switch text.lowercased() {
        case "healthy", "pass": .pass
        case "warning", "warn": .warn
        case "failure", "fail", "failed", "unhealthy": .fail
        default: .skip
        }
    }

    private static func collect(_ object: [String: Any], path: [String], into incidents: inout [Incident]) {
        for key in object.keys.sorted() where key != "Overall Health" {
            guard let child = object[key] as? [String: Any] else { continue }
            let here = path + [key]
            if let value = child["value"] as? String, status(value) == .warn || status(value) == .fail {
                let message = (child["message"] as? String) ?? (child["error"] as? String) ?? ""
                if child.values.contains(where: { $0 is [String: Any] }) {
                    collect(child, path: here, into: &incidents)
                } else {
                    incidents.append(Incident(path: here.joined(separator: " / "), status: status(value), message: message))
                }
            } else {
                collect(child, path: here, into: &incidents)
            }
        }
    }
}
