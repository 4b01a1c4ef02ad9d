/// Shares the power a transformer has left for EVs among sessions by water-filling:
/// nobody gets more than they asked for, and whatever is left is split equally among the rest.
public enum WaterFillingAllocator {
    /// - Parameters:
    ///   - available: power left for EVs (capacity minus base load), in kW; negative counts as 0.
    ///   - requests: each session's requested power, in kW.
    /// - Returns: each session's allocated power, in the order of `requests`.
    public static func allocate(available: Double, requests: [Double]) -> [Double] {
        let order = requests.indices.sorted { requests[$0] < requests[$1] }
        let sortedAllocation = allocate(available: available, ascendingRequests: order.map { requests[$0] })
        var allocation = [Double](repeating: 0, count: requests.count)
        for (position, index) in order.enumerated() {
            allocation[index] = sortedAllocation[position]
        }
        return allocation
    }

    /// The same for requests already in ascending order: one pass, no sort.
    public static func allocate(available: Double, ascendingRequests requests: [Double]) -> [Double] {
        var allocation = requests
        fill(available: available, &allocation, requested: { $0 }, grant: { $0 = $1 })
        return allocation
    }

    /// Water-filling in place over elements already in ascending order of request, without
    /// allocating: the hot path of a substation's simulation.
    @inlinable
    public static func fill<Element>(
        available: Double, _ elements: inout [Element], requested: (Element) -> Double, grant: (inout Element, Double) -> Void
    ) {
        var remaining = max(0, available)
        var left = elements.count
        // Serve the smallest requests first: once one is fully met, its leftover share goes to the rest.
        for index in elements.indices {
            let granted = min(max(0, requested(elements[index])), remaining / Double(left))
            grant(&elements[index], granted)
            remaining -= granted
            left -= 1
        }
    }

    /// The water level: the most any session gets (sessions asking less get what they asked).
    public static func level(available: Double, requests: [Double]) -> Double {
        allocate(available: available, requests: requests).max() ?? max(0, available)
    }
}
