/// The order people expect of names with numbers in them: `pool-9` before `pool-10`. Runs of
/// ASCII digits compare as numbers, everything else byte by byte; locale-free, so it is the
/// same on every machine, and it allocates nothing.
public enum NaturalOrder {
    /// Whether `a` sorts before `b`. Names equal as numbers (`a-01`, `a-1`) fall back to bytes.
    public static func precedes(_ a: String, _ b: String) -> Bool {
        var x = a.utf8.makeIterator(), y = b.utf8.makeIterator()
        var cx = x.next(), cy = y.next()
        while let p = cx, let q = cy {
            if isDigit(p) && isDigit(q) {
                // Skip leading zeros, then the longer run is the larger number; equal lengths
                // compare by their first differing digit.
                var pc: UInt8? = p, qc: UInt8? = q
                while pc == 0x30 { pc = x.next() }
                while qc == 0x30 { qc = y.next() }
                var lengthX = 0, lengthY = 0, firstDifference = 0
                while let d = pc, isDigit(d), let e = qc, isDigit(e) {
                    if firstDifference == 0 && d != e { firstDifference = d < e ? -1 : 1 }
                    lengthX += 1; lengthY += 1
                    pc = x.next(); qc = y.next()
                }
                while let d = pc, isDigit(d) { lengthX += 1; pc = x.next() }
                while let e = qc, isDigit(e) { lengthY += 1; qc = y.next() }
                if lengthX != lengthY { return lengthX < lengthY }
                if firstDifference != 0 { return firstDifference < 0 }
                cx = pc; cy = qc
                continue
            }
            if p != q { return p < q }
            cx = x.next(); cy = y.next()
        }
        if cx == nil && cy == nil { return a.utf8.lexicographicallyPrecedes(b.utf8) }
        return cx == nil
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
}
