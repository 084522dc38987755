import Foundation
import GRDB
import NavarchCore

/// The embedded default store: one SQLite file in WAL mode. Writes are committed before the
/// call returns, so a control plane killed with SIGKILL keeps every fact it acknowledged.
/// GRDB runs the statements on its own queues, never on the cooperative pool.
public final class SQLiteStore: Store {
    private let database: DatabasePool
    /// Path of the database file.
    public let path: String

    /// Opens (creating when needed) the database at `path` and migrates it.
    public init(path: String) throws {
        self.path = path
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        do {
            database = try DatabasePool(path: path, configuration: configuration)
            try Self.migrator.migrate(database)
        } catch {
            throw NavarchError(.unavailable, "cannot open the database at \(path): \(error)")
        }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE pool (name TEXT PRIMARY KEY NOT NULL, data BLOB NOT NULL);
                CREATE TABLE instance (id TEXT PRIMARY KEY NOT NULL, pool TEXT NOT NULL, data BLOB NOT NULL);
                CREATE TABLE node (id TEXT PRIMARY KEY NOT NULL, pool TEXT NOT NULL, data BLOB NOT NULL,
                                   last_heartbeat REAL);
                CREATE TABLE event (sequence INTEGER PRIMARY KEY AUTOINCREMENT, time REAL NOT NULL,
                                    kind TEXT NOT NULL, node_id TEXT NOT NULL, instance_id TEXT NOT NULL,
                                    pool TEXT NOT NULL, message TEXT NOT NULL, attributes BLOB NOT NULL);
                CREATE INDEX event_node ON event(node_id, sequence);
                CREATE INDEX event_pool ON event(pool, sequence);
                CREATE TABLE command (id TEXT PRIMARY KEY NOT NULL, node_id TEXT NOT NULL, data BLOB NOT NULL,
                                      acknowledged INTEGER NOT NULL DEFAULT 0, issued REAL NOT NULL);
                CREATE INDEX command_pending ON command(node_id, acknowledged, issued);
                """)
        }
        migrator.registerMigration("v2-settings") { db in
            try db.execute(sql: "CREATE TABLE setting (key TEXT PRIMARY KEY NOT NULL, data BLOB NOT NULL)")
        }
        return migrator
    }

    public func commit(_ records: [StoreRecord]) async throws {
        guard !records.isEmpty else { return }
        let encoder = JSONEncoder()
        try await database.write { db in
            for record in records { _ = try Self.write(record, to: db, encoder: encoder) }
        }
    }

    /// Writes one record inside the caller's transaction; an event comes back with its sequence.
    private static func write(_ record: StoreRecord, to db: Database, encoder: JSONEncoder) throws -> FleetEvent? {
        switch record {
        case .pool(let pool):
            try db.execute(sql: "INSERT OR REPLACE INTO pool (name, data) VALUES (?, ?)", arguments: [pool.name, try encoder.encode(pool)])
        case .poolDeleted(let name):
            try db.execute(sql: "DELETE FROM pool WHERE name = ?", arguments: [name])
        case .instance(let instance):
            try db.execute(
                sql: "INSERT OR REPLACE INTO instance (id, pool, data) VALUES (?, ?, ?)",
                arguments: [instance.id, instance.pool, try encoder.encode(instance)])
        case .node(let node):
            try db.execute(
                sql: "INSERT OR REPLACE INTO node (id, pool, data, last_heartbeat) VALUES (?, ?, ?, ?)",
                arguments: [node.id, node.pool, try encoder.encode(node), node.lastHeartbeat?.timeIntervalSince1970])
        case .event(let event):
            try db.execute(
                sql: """
                    INSERT INTO event (sequence, time, kind, node_id, instance_id, pool, message, attributes)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    (event.sequence > 0 ? event.sequence : nil) as Int64?, event.time.timeIntervalSince1970, event.kind, event.nodeID,
                    event.instanceID, event.pool, event.message, try encoder.encode(event.attributes),
                ])
            var stored = event
            stored.sequence = db.lastInsertedRowID
            return stored
        case .command(let command):
            try db.execute(
                sql: "INSERT OR REPLACE INTO command (id, node_id, data, acknowledged, issued) VALUES (?, ?, ?, ?, ?)",
                arguments: [
                    command.id, command.nodeID, try encoder.encode(command), command.acknowledgedAt == nil ? 0 : 1,
                    command.issuedAt.timeIntervalSince1970,
                ])
        case .heartbeats(let heartbeats):
            for (id, time) in heartbeats.sorted(by: { $0.key < $1.key }) {
                try db.execute(sql: "UPDATE node SET last_heartbeat = ? WHERE id = ?", arguments: [time.timeIntervalSince1970, id])
            }
        case .setting(let key, let value):
            if let value {
                try db.execute(sql: "INSERT OR REPLACE INTO setting (key, data) VALUES (?, ?)", arguments: [key, value])
            } else {
                try db.execute(sql: "DELETE FROM setting WHERE key = ?", arguments: [key])
            }
        }
        return nil
    }

    public func loadSnapshot() async throws -> FleetSnapshot {
        try await database.read { db in
            let decoder = JSONDecoder()
            let pools = try Row.fetchAll(db, sql: "SELECT data FROM pool ORDER BY name").map {
                try decoder.decode(Pool.self, from: $0["data"] as Data)
            }
            let instances = try Row.fetchAll(db, sql: "SELECT data FROM instance").map {
                try decoder.decode(Instance.self, from: $0["data"] as Data)
            }.sorted { $0.createdAt < $1.createdAt }
            let nodes = try Row.fetchAll(db, sql: "SELECT data, last_heartbeat FROM node ORDER BY id").map { row in
                var node = try decoder.decode(Node.self, from: row["data"] as Data)
                if let seconds = row["last_heartbeat"] as Double? {
                    node.lastHeartbeat = Date(timeIntervalSince1970: seconds)
                }
                return node
            }
            let last = try Int64.fetchOne(db, sql: "SELECT MAX(sequence) FROM event") ?? 0
            var settings: [String: Data] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT key, data FROM setting") {
                settings[row["key"] as String] = row["data"] as Data
            }
            let pending = try Row.fetchAll(db, sql: "SELECT data FROM command WHERE acknowledged = 0 ORDER BY issued, rowid").map {
                try decoder.decode(NodeCommand.self, from: $0["data"] as Data)
            }
            return FleetSnapshot(
                pools: pools, instances: instances, nodes: nodes, lastEventSequence: last, settings: settings, pendingCommands: pending)
        }
    }

    public func appendEvent(_ event: FleetEvent) async throws -> FleetEvent {
        let encoder = JSONEncoder()
        return try await database.write { db in try Self.write(.event(event), to: db, encoder: encoder) ?? event }
    }

    public func events(after sequence: Int64, limit: Int, nodeID: String?, pool: String?) async throws -> [FleetEvent] {
        try await database.read { db in
            var sql = "SELECT * FROM event WHERE sequence > ?"
            var arguments: StatementArguments = [sequence]
            if let nodeID {
                sql += " AND node_id = ?"
                _ = arguments.append(contentsOf: [nodeID])
            }
            if let pool {
                sql += " AND pool = ?"
                _ = arguments.append(contentsOf: [pool])
            }
            sql += " ORDER BY sequence LIMIT ?"
            _ = arguments.append(contentsOf: [limit])
            let decoder = JSONDecoder()
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                FleetEvent(
                    sequence: row["sequence"], time: Date(timeIntervalSince1970: row["time"]), kind: row["kind"],
                    nodeID: row["node_id"], instanceID: row["instance_id"], pool: row["pool"],
                    message: row["message"],
                    attributes: (try? decoder.decode([String: String].self, from: row["attributes"] as Data)) ?? [:])
            }
        }
    }

    public func pendingCommands(for nodeID: String) async throws -> [NodeCommand] {
        try await database.read { db in
            let decoder = JSONDecoder()
            return try Row.fetchAll(
                db, sql: "SELECT data FROM command WHERE node_id = ? AND acknowledged = 0 ORDER BY issued, rowid",
                arguments: [nodeID]
            ).map { try decoder.decode(NodeCommand.self, from: $0["data"] as Data) }
        }
    }
}
