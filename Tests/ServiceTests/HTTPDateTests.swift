import Testing

@testable import GridHTTP

/// The `Date` header of the lane's answers, in RFC 9110's IMF-fixdate form.
@Suite struct HTTPDateTests {
    @Test func secondsSinceTheEpochAreWrittenAsIMFFixdate() {
        #expect(HTTPDate.format(epochSecond: 0) == "Thu, 01 Jan 1970 00:00:00 GMT")
        #expect(HTTPDate.format(epochSecond: 1_795_833_615) == "Sat, 28 Nov 2026 02:40:15 GMT")
        #expect(HTTPDate.now().hasSuffix(" GMT"))
    }
}
