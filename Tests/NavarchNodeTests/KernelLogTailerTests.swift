import Foundation
import NavarchNode
import Testing

@Suite struct KernelLogTailerTests {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("kmsg-\(UUID().uuidString)").path

    func append(_ text: String) throws {
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
        try handle.close()
    }

    @Test func followsAppendedLinesFromTheEndAndSurvivesTruncation() async throws {
        try "old line that must not be read\n".write(toFile: path, atomically: false, encoding: .utf8)
        let tailer = KernelLogTailer(path: path, pollInterval: .milliseconds(10))
        var lines = tailer.lines().makeAsyncIterator()
        try await Task.sleep(for: .milliseconds(50))
        try append("first\nsecond\npart")
        #expect(await lines.next() == "first")
        #expect(await lines.next() == "second")
        try append("ial\n")
        #expect(await lines.next() == "partial")
        try "".write(toFile: path, atomically: false, encoding: .utf8)
        try await Task.sleep(for: .milliseconds(50))
        try append("after truncation\n")
        #expect(await lines.next() == "after truncation")
    }

    @Test func runawayLineIsCut() async throws {
        FileManager.default.createFile(atPath: path, contents: nil)
        let tailer = KernelLogTailer(path: path, pollInterval: .milliseconds(10), maximumLineBytes: 100)
        var lines = tailer.lines().makeAsyncIterator()
        try await Task.sleep(for: .milliseconds(50))
        try append(String(repeating: "x", count: 1000))
        let line = await lines.next()
        #expect(line?.count == 100)
    }
}
