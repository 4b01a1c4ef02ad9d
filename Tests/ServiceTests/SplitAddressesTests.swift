import Testing

@testable import GridHTTP

/// A path at a few base URLs, split once.
@Suite struct SplitAddressesTests {
    @Test func aBaseURLAndThePathAreSplitAsTheWholeURLWouldBe() throws {
        let addresses = SplitAddresses(path: "/route")
        for base in ["http://127.0.0.1:7001", "http://balancer-b:7001/", "http://[::1]:7001"] {
            let address = try #require(addresses.address(at: base))
            let whole = try #require(HTTPEndpoint.split(base + "/route"))
            #expect(address.endpoint == whole.endpoint && address.target == whole.target)
            // Asked again: the same answer, from what was kept.
            #expect(addresses.address(at: base)?.target == whole.target)
        }
        #expect(addresses.address(at: "https://balancer:7001") == nil, "https goes by URL, through async-http-client")
        #expect(addresses.address(at: "not a url") == nil)
    }

    @Test func atMostTheLimitOfBaseURLsIsKept() {
        let addresses = SplitAddresses(path: "/sessions")
        for port in 1...(SplitAddresses.limit * 2) {
            #expect(addresses.address(at: "http://s:\(port)")?.endpoint.port == port)
            #expect(addresses.keptCount <= SplitAddresses.limit)
        }
        #expect(addresses.keptCount > 0)
    }
}
