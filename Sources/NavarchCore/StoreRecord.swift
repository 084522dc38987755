import Foundation

/// One fact for the store to write. The fleet brain gives each input's facts as a list, and the
/// store writes the list in one transaction: all of it or none.
public enum StoreRecord: Sendable, Equatable {
    case pool(Pool)
    case poolDeleted(String)
    case instance(Instance)
    case node(Node)
    /// An event with its sequence number already given (the brain numbers them).
    case event(FleetEvent)
    case command(NodeCommand)
    /// Last-heartbeat times, written in batches.
    case heartbeats([String: Date])
    /// A piece of control-plane state by key (breakers, back-offs); `nil` removes it.
    case setting(String, Data?)
}
