/// Keeps lists of ids sorted under a key, so that the brain reads them in a defined order
/// without sorting on every pass.
enum SortedIDs {
    /// Inserts `id` into the list under `key` at its sorted place, once.
    static func insert(_ id: String, into index: inout [String: [String]], key: String) {
        let position = index[key, default: []].partitioningIndex { $0 >= id }
        if index[key]?.indices.contains(position) == true && index[key]![position] == id { return }
        index[key, default: []].insert(id, at: position)
    }

    /// Removes `id` from the list under `key`, dropping the key when its list empties.
    static func remove(_ id: String, from index: inout [String: [String]], key: String) {
        guard let ids = index[key] else { return }
        let position = ids.partitioningIndex { $0 >= id }
        guard position < ids.count, ids[position] == id else { return }
        index[key]!.remove(at: position)
        if index[key]!.isEmpty { index[key] = nil }
    }
}

private extension Array {
    /// The first index whose element satisfies `belongs` (which must be false, then true, along the array).
    func partitioningIndex(where belongs: (Element) -> Bool) -> Int {
        var low = 0, high = count
        while low < high {
            let middle = (low + high) / 2
            if belongs(self[middle]) { high = middle } else { low = middle + 1 }
        }
        return low
    }
}
