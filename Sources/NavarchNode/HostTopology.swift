import Foundation
import NavarchCore
import NavarchHealth
#if canImport(Glibc)
import Glibc
#endif

/// What a node can see of where it sits: its addresses, its InfiniBand adapters and its GPUs'
/// NVLinks. Reported as labels at registration (`address`, `topology.infiniband`,
/// `topology.nvlink`).
public enum HostTopology {
    /// The first IPv4 address of an interface that is up and not loopback.
    public static func primaryIPv4() -> String? {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0, let first = list else { return nil }
        defer { freeifaddrs(list) }
        var candidates: [(name: String, address: String)] = []
        for pointer in sequence(first: first, next: { $0.pointee.ifa_next }) {
            let entry = pointer.pointee
            guard let address = entry.ifa_addr, address.pointee.sa_family == sa_family_t(AF_INET),
                  entry.ifa_flags & UInt32(IFF_UP) != 0, entry.ifa_flags & UInt32(IFF_LOOPBACK) == 0
            else { continue }
            var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            guard getnameinfo(address, socklen_t(MemoryLayout<sockaddr_in>.size), &host, socklen_t(host.count), nil, 0, NI_NUMERICHOST) == 0
            else { continue }
            candidates.append((String(cString: entry.ifa_name), String(cString: host)))
        }
        // Real NICs before container and VPN bridges.
        let preferred = candidates.first { !["docker", "veth", "br-", "virbr", "tun", "tailscale"].contains(where: $0.name.hasPrefix) }
        return (preferred ?? candidates.first)?.address
    }

    /// InfiniBand adapters (`mlx5_0`, ...) under `/sys/class/infiniband`, with their link rate.
    public static func infinibandAdapters(sysfs: String = "/sys/class/infiniband") -> [String] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: sysfs)) ?? []).sorted()
        return names.map { name in
            let rate = (try? String(contentsOfFile: "\(sysfs)/\(name)/ports/1/rate", encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines)
            return rate.map { "\(name) (\($0))" } ?? name
        }
    }

    /// `topology.nvlink`: the NVLink links up on the GPU with the fewest (`18 links up per GPU`),
    /// from the GPUs' metrics; nothing for GPUs without NVLink.
    public static func nvlinkLabels(_ gpus: [GPU]) -> [String: String] {
        let counts = gpus.compactMap { $0.metrics[GPUMetric.nvlinkLinksUp] }
        guard counts.count == gpus.count, let fewest = counts.min() else { return [:] }
        return ["topology.nvlink": "\(Int(fewest)) links up per GPU"]
    }

    /// The labels for a registration.
    public static func labels(sysfs: String = "/sys/class/infiniband") -> [String: String] {
        var labels: [String: String] = [:]
        if let address = primaryIPv4() { labels["address"] = address }
        let adapters = infinibandAdapters(sysfs: sysfs)
        if !adapters.isEmpty { labels["topology.infiniband"] = adapters.joined(separator: ", ") }
        return labels
    }
}
