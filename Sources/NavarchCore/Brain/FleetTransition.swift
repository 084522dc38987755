import Foundation

/// What one input to the fleet brain produced: the records to store (in one transaction,
/// before anything else happens), the effects to run after, and when to look again.
public struct FleetTransition: Sendable {
    /// Written in one transaction, in this order.
    public var records: [StoreRecord] = []
    /// Run once the records are stored.
    public var effects: [FleetEffect] = []
    /// The reconciler should look at the fleet again.
    public var reconcile = false
    /// A heartbeat deadline or remediation timer moved: the monitor may need to wake earlier.
    public var timersChanged = false
    /// The call fails once the records are stored (a refused join is recorded, then refused).
    public var failure: NavarchError?

    public init() {}

    /// The events among the records, in sequence order.
    public var events: [FleetEvent] {
        records.compactMap { if case .event(let event) = $0 { event } else { nil } }
    }
}
