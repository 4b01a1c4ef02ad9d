/// Maximum flow on a directed graph with real capacities (Dinic's algorithm): blocking flows
/// along shortest paths, O(V² E) at worst and far less on the shallow graphs of `OfflineOptimum`.
public struct MaximumFlow: Sendable {
    private var head: [Int]
    private var target: [Int] = []
    private var residual: [Double] = []
    private var nextEdge: [Int] = []
    /// Flow below this is treated as none, so rounding dust cannot open paths.
    static let tolerance = 1e-12

    public init(nodes: Int) {
        head = [Int](repeating: -1, count: nodes)
    }

    public var nodeCount: Int { head.count }
    public var edgeCount: Int { target.count / 2 }

    public mutating func addNode() -> Int {
        head.append(-1)
        return head.count - 1
    }

    public mutating func addEdge(from: Int, to: Int, capacity: Double) {
        target.append(to)
        residual.append(max(0, capacity))
        nextEdge.append(head[from])
        head[from] = target.count - 1
        target.append(from)
        residual.append(0)
        nextEdge.append(head[to])
        head[to] = target.count - 1
    }

    /// The most that can flow from `source` to `sink`; the graph keeps the residual capacities.
    public mutating func run(from source: Int, to sink: Int) -> Double {
        var total = 0.0
        var depth = [Int](repeating: -1, count: head.count)
        var cursor = head
        var queue = [Int](repeating: 0, count: head.count)
        while true {
            for index in depth.indices { depth[index] = -1 }
            depth[source] = 0
            var front = 0
            var back = 1
            queue[0] = source
            while front < back {
                let node = queue[front]
                front += 1
                var edge = head[node]
                while edge >= 0 {
                    if residual[edge] > Self.tolerance && depth[target[edge]] < 0 {
                        depth[target[edge]] = depth[node] + 1
                        queue[back] = target[edge]
                        back += 1
                    }
                    edge = nextEdge[edge]
                }
            }
            guard depth[sink] >= 0 else { return total }
            cursor = head
            while true {
                let pushed = push(from: source, to: sink, limit: .infinity, depth: depth, cursor: &cursor)
                if pushed <= Self.tolerance { break }
                total += pushed
            }
        }
    }

    private mutating func push(from node: Int, to sink: Int, limit: Double, depth: [Int], cursor: inout [Int]) -> Double {
        if node == sink { return limit }
        while cursor[node] >= 0 {
            let edge = cursor[node]
            let next = target[edge]
            if residual[edge] > Self.tolerance && depth[next] == depth[node] + 1 {
                let pushed = push(from: next, to: sink, limit: min(limit, residual[edge]), depth: depth, cursor: &cursor)
                if pushed > Self.tolerance {
                    residual[edge] -= pushed
                    residual[edge ^ 1] += pushed
                    return pushed
                }
            }
            cursor[node] = nextEdge[edge]
        }
        return 0
    }
}
