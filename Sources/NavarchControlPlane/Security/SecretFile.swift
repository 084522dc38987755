import Foundation
import NavarchCore

/// Files that hold secrets: written readable by their owner alone (0600), in a folder only
/// the owner can enter when the folder is new.
enum SecretFile {
    static func write(_ text: String, to path: String) throws {
        let manager = FileManager.default
        let folder = (path as NSString).deletingLastPathComponent
        if !manager.fileExists(atPath: folder) {
            try manager.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        if manager.fileExists(atPath: path) { try manager.removeItem(atPath: path) }
        guard manager.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw NavarchError.failedPrecondition("cannot write \(path)")
        }
    }
}
