extension WaitRequest: Encodable {
    /// The body a client sends: the charge request's fields, and `maxWaitMinutes` when the driver waits.
    public func encode(to encoder: any Encoder) throws {
        try charge.encode(to: encoder)
        if maxWaitMinutes > 0 {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(maxWaitMinutes, forKey: .maxWaitMinutes)
        }
    }
}
