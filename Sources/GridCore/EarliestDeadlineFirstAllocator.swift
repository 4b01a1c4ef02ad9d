/// Earliest deadline first: the session leaving soonest gets its full requested power, then the
/// next, until the power runs out (ACN-Sim's EDF). Sessions staying until full come last and
/// share what is left equally.
public enum EarliestDeadlineFirstAllocator {
    /// Adds `power` (kW) to the sessions' current `powerKW`, earliest departure first.
    public static func share(_ power: Double, _ sessions: inout [ChargingSession]) {
        PowerAllocation.fillDeadlinesThenStayers(power, order: PowerAllocation.deadlineOrder(sessions), &sessions)
    }
}
