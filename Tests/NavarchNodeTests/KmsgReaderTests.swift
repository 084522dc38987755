import Foundation
import NavarchCore
import NavarchProcess
import NavarchHealth
@testable import NavarchNode
import Synchronization
import Testing

@Suite struct KmsgReaderTests {
    /// `/dev/kmsg` semantics: one record per read, EPIPE when the ring buffer overran the reader.
    @Test(.timeLimit(.minutes(1))) func recordsAreReadAndAnOverrunIsSurvived() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("kmsg-\(UUID().uuidString)").path
        FileManager.default.createFile(atPath: file, contents: Data())
        let script = Mutex<[(String?, Int32)]>([
            (nil, EPIPE),
            ("6,1201,5120403,-;NVRM: Xid (PCI:0000:18:00): 79, pid='<unknown>', name=<unknown>, GPU has fallen off the bus.\n", 0),
            (" SUBSYSTEM=pci\n", 0),
            (nil, EPIPE),
            ("4,1202,5120499,-;nvidia-nvswitch0: SXid (PCI:0000:05:00.0): 20034, Fatal, Link 30 LTSSM Fault Up\n", 0),
        ])
        let reader = KmsgReader(path: file) { _, buffer, capacity in
            let next = script.withLock { $0.isEmpty ? nil : $0.removeFirst() }
            guard let (text, error) = next else { return (-1, EAGAIN) }
            guard let text else { return (-1, error) }
            let bytes = Array(text.utf8).prefix(capacity)
            buffer.copyMemory(from: Array(bytes), byteCount: bytes.count)
            return (bytes.count, 0)
        }
        var lines = reader.lines().makeAsyncIterator()
        let first = try #require(await lines.next())
        let second = try #require(await lines.next())
        guard case .xid(let xid)? = KernelLogParser.parse(first) else { Issue.record("not an XID: \(first)"); return }
        #expect(xid.code == 79 && xid.pciAddress == "0000:18:00")
        guard case .sxid(let sxid)? = KernelLogParser.parse(second) else { Issue.record("not an SXid: \(second)"); return }
        #expect(sxid.code == 20034)
        #expect(reader.overruns == 2)
    }

    @Test(.timeLimit(.minutes(1))) func anUnreadableKmsgFallsBackToJournalctl() async throws {
        let tools = FileManager.default.temporaryDirectory.appendingPathComponent("tools-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: tools, withIntermediateDirectories: true)
        let journalctl = tools + "/journalctl"
        try """
            #!/bin/sh
            echo "$*" > \(tools)/arguments
            echo "2026-11-30T12:00:00+0000 gpu-7 kernel: NVRM: Xid (PCI:0000:3a:00): 48, pid='<unknown>', name=<unknown>, An uncorrectable double bit error"
            exec sleep 30
            """.write(toFile: journalctl, atomically: true, encoding: .utf8)
        chmod(journalctl, 0o755)
        let (lines, description) = KernelLogSource.open(path: "/nonexistent/kmsg", runner: CommandRunner(searchPath: [tools]), kmsg: "/nonexistent/kmsg")
        #expect(description.contains("cannot be read") && description.contains("journalctl -k -f"))
        var iterator = try #require(lines).makeAsyncIterator()
        let line = try #require(await iterator.next())
        #expect(line.contains("Xid (PCI:0000:3a:00): 48"))
        #expect(try String(contentsOfFile: tools + "/arguments", encoding: .utf8).contains("-k -f -n 0"))
    }

    @Test func withNoSourceTheAgentSaysSo() {
        let (lines, description) = KernelLogSource.open(path: "/nonexistent/kmsg", runner: CommandRunner(searchPath: []), kmsg: "/nonexistent/kmsg")
        #expect(lines == nil)
        #expect(description.contains("neither journalctl nor dmesg is installed"))
    }
}
