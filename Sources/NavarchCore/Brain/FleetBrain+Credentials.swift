import Foundation

extension FleetBrain {
    static let credentialSettingPrefix = "node-credential/"

    /// The stored hashes of the nodes' credentials, from the settings a snapshot carries.
    mutating func loadNodeCredentials(from settings: [String: Data]) {
        book.nodeCredentials = [:]
        for (key, data) in settings where key.hasPrefix(Self.credentialSettingPrefix) {
            book.nodeCredentials[String(key.dropFirst(Self.credentialSettingPrefix.count))] = String(decoding: data, as: UTF8.self)
        }
    }

    /// Whether `nodeID` holds the credential whose hash is `hash`.
    public func holdsCredential(nodeID: String, hash: String?) -> Bool {
        hash != nil && book.nodeCredentials[nodeID] == hash
    }

    /// Checks that `caller` may act as `nodeID`: an admin may; an agent only with the credential
    /// issued to that node, which a terminated node no longer has.
    public func authorize(_ caller: NodeCaller, asNode nodeID: String) throws(NavarchError) {
        guard case .agent(let presented, let credentialNode) = caller else { return }
        guard let presented else {
            throw NavarchError(.unauthenticated, "calls for node \(nodeID) need the node's credential, which its registration gave the agent")
        }
        if let credentialNode, credentialNode != nodeID {
            throw NavarchError(.permissionDenied, "the credential of node \(credentialNode) cannot act for node \(nodeID)")
        }
        guard let stored = book.nodeCredentials[nodeID], stored == presented else {
            throw NavarchError(.unauthenticated, "the credential presented for node \(nodeID) is not valid: revoked when the node was terminated, or replaced")
        }
    }

    /// Whether a registration may go ahead, and whether it issues the node a new credential:
    /// a node that holds one re-registers with it; one that does not (new, or registered before
    /// nodes had credentials) joins with a valid join token or through an admin.
    mutating func admit(_ registration: Registration, instance: Instance?) throws(NavarchError) -> Bool {
        let id = registration.nodeID
        if book.nodeCredentials[id] != nil, case .agent(let presented, _) = registration.caller, presented != nil {
            try authorize(registration.caller, asNode: id)
            return false
        }
        if registration.caller == .admin { return true }
        if book.nodeCredentials[id] != nil {
            throw NavarchError(.unauthenticated, "node \(id) is already registered; its agent re-registers with the credential its first registration gave it")
        }
        switch registration.joinTokenCheck {
        case .valid:
            return true
        case .refused(let error):
            throw error
        case .unchecked:
            if let instance {
                throw NavarchError(.unauthenticated, "instance \(instance.id) must join with its join token (--join-token-file), and none was given")
            }
            throw NavarchError(.unauthenticated, "node \(id) has no instance and no credential: an admin enrolls a machine by hand (NAVARCH_TOKEN with an admin token)")
        }
    }

    /// Gives `nodeID` the credential whose hash is `hash`, replacing any it had.
    mutating func issueCredential(nodeID: String, hash: String) {
        book.nodeCredentials[nodeID] = hash
        pending.records.append(.setting(Self.credentialSettingPrefix + nodeID, Data(hash.utf8)))
    }

    /// Revokes the credential of a node that was terminated.
    mutating func revokeCredential(nodeID: String) {
        guard book.nodeCredentials.removeValue(forKey: nodeID) != nil else { return }
        pending.records.append(.setting(Self.credentialSettingPrefix + nodeID, nil))
    }
}
