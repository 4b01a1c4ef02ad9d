import Foundation
import GridCore
import NIOCore

extension SessionOrder {
    /// The order as the JSON body of `POST /sessions` or `POST /route`. An order read from a body
    /// that named its id is those bytes (`readFrom`). Any other is written straight into a buffer:
    /// the same object `JSONEncoder` makes (keys sorted), without its reflection, which cost more
    /// than the rest of a dispatch. Ids that are not plain identifiers go through `JSONEncoder`
    /// for its escaping.
    public var jsonBody: ByteBuffer {
        if let readFrom { return readFrom }
        guard ChargeRequest.isValidIdentifier(id), ChargeRequest.isValidIdentifier(request.vehicleId),
            request.energyKWh.isFinite, request.maxPowerKW.isFinite, request.departureMinutes?.isFinite ?? true
        else {
            return ByteBuffer(bytes: (try? WireJSON.encoder.encode(self)) ?? Data())
        }
        var buffer = ByteBuffer()
        buffer.reserveCapacity(160)
        if let departure = request.departureMinutes {
            buffer.writeString(#"{"departureMinutes":"#)
            buffer.writeString(Self.number(departure))
            buffer.writeString(#","energyKWh":"#)
        } else {
            buffer.writeString(#"{"energyKWh":"#)
        }
        buffer.writeString(Self.number(request.energyKWh))
        buffer.writeString(#","id":""#)
        buffer.writeString(id)
        buffer.writeString(#"","maxPowerKW":"#)
        buffer.writeString(Self.number(request.maxPowerKW))
        buffer.writeString(#","vehicleId":""#)
        buffer.writeString(request.vehicleId)
        buffer.writeString(#""}"#)
        return buffer
    }

    /// A JSON number: integers without a fraction, as `JSONEncoder` writes them; otherwise the
    /// shortest text that reads back as the same double.
    static func number(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return value.description
    }
}
