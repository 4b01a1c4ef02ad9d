/// What the registry asks its owner to do after a message or a tick.
public enum OCPPEffect: Equatable, Sendable {
    /// Send this frame to that charge point (if it is connected).
    case send(chargePointId: String, text: String)
    /// A charger answered the reservation made for a booking.
    case reservationAnswered(reservationId: Int, accepted: Bool)
    /// Worth a log line at info level.
    case notice(String)
    /// Worth a log line at warning level.
    case warning(String)
    /// A charger draws more than its limit allows (already in a warning); count it.
    case overdraw(chargePointId: String)
}
