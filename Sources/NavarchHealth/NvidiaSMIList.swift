import Foundation

/// The GPUs `nvidia-smi -L` lists: `GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-...)`, with MIG
/// devices indented beneath their GPU.
public struct NvidiaSMIList: Sendable, Equatable {
    public struct Device: Sendable, Equatable {
        public var index: Int
        public var name: String
        public var uuid: String
        /// MIG devices on this GPU (their UUIDs).
        public var migDevices: [String]

        public init(index: Int, name: String, uuid: String, migDevices: [String]) {
            self.index = index
            self.name = name
            self.uuid = uuid
            self.migDevices = migDevices
        }
    }

    public var gpus: [Device]

    public static func parse(_ text: String) -> NvidiaSMIList {
        var gpus: [Device] = []
        for rawLine in text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            guard let uuidStart = line.range(of: "(UUID: "), let close = line[uuidStart.upperBound...].firstIndex(of: ")") else { continue }
            let uuid = String(line[uuidStart.upperBound..<close])
            if line.hasPrefix("GPU "), let colon = line.firstIndex(of: ":"), let index = Int(line[line.index(line.startIndex, offsetBy: 4)..<colon]) {
                let name = line[line.index(after: colon)..<uuidStart.lowerBound].trimmingCharacters(in: .whitespaces)
                gpus.append(Device(index: index, name: name, uuid: uuid, migDevices: []))
            } else if line.hasPrefix("MIG "), !gpus.isEmpty {
                gpus[gpus.count - 1].migDevices.append(uuid)
            }
        }
        return NvidiaSMIList(gpus: gpus)
    }
}
