extension Comparable {
    /// The value limited to `range` (server-supplied intervals and sizes).
    public func clamped(to range: ClosedRange<Self>) -> Self { min(max(self, range.lowerBound), range.upperBound) }
}
