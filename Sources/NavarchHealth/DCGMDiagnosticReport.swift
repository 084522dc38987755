import Foundation

/// The results of `dcgmi diag -r N -j`, in DCGM 3.x form (`"DCGM GPU Diagnostic"`, `gpu_ids`,
/// `info`/`warnings` strings) and 4.x form (`"DCGM Diagnostic"`, `entity_id`, warning objects).
public struct DCGMDiagnosticReport: Sendable, Equatable {
    /// One test's result on one GPU, or on all GPUs where DCGM does not split them.
    public struct Result: Sendable, Equatable {
        public var category: String
        public var test: String
        /// The GPU, or nil where the result is for the whole system.
        public var gpuIndex: Int?
        public var status: CheckStatus
        public var messages: [String]
    }

    public var results: [Result]
    public var dcgmVersion: String

    /// The worst status of any test; `skip` when nothing ran.
    public var overall: CheckStatus { results.map(\.status).filter { $0 != .skip }.max() ?? .skip }

    public var failures: [Result] { results.filter { $0.status == .fail } }

    public static func parse(_ text: String) throws -> DCGMDiagnosticReport {
        let root = try JSONDocument.object(in: text, tool: "dcgmi diag")
        guard let body = (root["DCGM Diagnostic"] ?? root["DCGM GPU Diagnostic"]) as? [String: Any] else {
            throw ToolOutputError(tool: "dcgmi diag", problem: "no \"DCGM Diagnostic\" or \"DCGM GPU Diagnostic\" section")
        }
        guard let categories = body["test_categories"] as? [Any] else {
            throw ToolOutputError(tool: "dcgmi diag", problem: "no test_categories")
        }
        var results: [Result] = []
        for case let category as [String: Any] in categories {
            let categoryName = category["category"] as? String ?? ""
            for case let test as [String: Any] in category["tests"] as? [Any] ?? [] {
                let name = test["name"] as? String ?? "unnamed"
                for case let result as [String: Any] in test["results"] as? [Any] ?? [] {
                    let status = Self.status(result["status"] as? String ?? "")
                    let messages = Self.messages(result["warnings"]) + Self.messages(result["info"])
                    var gpus: [Int?] = [nil]
                    if let entity = JSONDocument.int(result["entity_id"]), (result["entity_group"] as? String ?? "GPU") == "GPU" {
                        gpus = [entity]
                    } else if let ids = result["gpu_ids"] as? String {
                        let parsed = ids.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
                        if !parsed.isEmpty { gpus = parsed }
                    } else if let id = JSONDocument.int(result["gpu_id"]) {
                        gpus = [id]
                    }
                    for gpu in gpus {
                        results.append(Result(category: categoryName, test: name, gpuIndex: gpu, status: status, messages: messages))
                    }
                }
            }
        }
        let metadata = root["metadata"] as? [String: Any]
        return DCGMDiagnosticReport(results: results, dcgmVersion: metadata?["version"] as? String ?? body["version"] as? String ?? "")
    }

    static func status(_ text: String) -> CheckStatus {
        switch text.lowercased() {
        case "pass": .pass
        case "fail": .fail
        case "warn", "warning": .warn
        default: .skip
        }
    }

    static func messages(_ value: Any?) -> [String] {
        if let text = value as? String { return [text] }
        guard let list = value as? [Any] else { return [] }
        return list.compactMap { item in
            if let text = item as? String { return text }
            if let object = item as? [String: Any] { return object["warning"] as? String ?? object["message"] as? String }
            return nil
        }
    }
}
