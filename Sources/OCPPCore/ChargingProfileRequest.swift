import GridCore

/// SetChargingProfile payloads: a station maximum, a default for transactions the link cannot
/// reach, and a limit for one transaction, each as its OCPP version spells it.
enum ChargingProfileRequest {
    enum Purpose: Equatable {
        case stationMax, txDefault
        case tx(transactionId: String)

        func name(in version: OCPPVersion) -> String {
            switch self {
            case .stationMax: version == .v16 ? "ChargePointMaxProfile" : "ChargingStationMaxProfile"
            case .txDefault: "TxDefaultProfile"
            case .tx: "TxProfile"
            }
        }
    }

    /// - Parameters:
    ///   - connector: 0 for the whole station (maximum and default), else the transaction's connector or EVSE.
    ///   - limit: in `unit`, already rounded as the charger takes it.
    static func payload(
        version: OCPPVersion, purpose: Purpose, connector: Int, limit: Double, unit: ChargePoint.RateUnit, epochSeconds: Double
    ) -> JSONValue {
        // One fixed profile id per purpose and connector: each new limit replaces the last one.
        let profileId: Int
        switch purpose {
        case .stationMax: profileId = 1
        case .txDefault: profileId = 2
        case .tx: profileId = 100 + connector
        }
        var schedule: [String: JSONValue] = [
            "chargingRateUnit": .string(unit.rawValue),
            "chargingSchedulePeriod": .array([.object(["startPeriod": .number(0), "limit": .number(limit)])]),
        ]
        var profile: [String: JSONValue] = [
            "stackLevel": .number(0),
            "chargingProfilePurpose": .string(purpose.name(in: version)),
            "chargingProfileKind": .string(purpose == .stationMax ? "Absolute" : "Relative"),
        ]
        if purpose == .stationMax { schedule["startSchedule"] = .string(OCPPTime.text(epochSeconds: epochSeconds)) }
        switch version {
        case .v16:
            profile["chargingProfileId"] = .number(Double(profileId))
            if case .tx(let transactionId) = purpose, let number = Double(transactionId) { profile["transactionId"] = .number(number) }
            profile["chargingSchedule"] = .object(schedule)
            return .object(["connectorId": .number(Double(connector)), "csChargingProfiles": .object(profile)])
        case .v201:
            profile["id"] = .number(Double(profileId))
            if case .tx(let transactionId) = purpose { profile["transactionId"] = .string(transactionId) }
            schedule["id"] = .number(1)
            profile["chargingSchedule"] = .array([.object(schedule)])
            return .object(["evseId": .number(Double(connector)), "chargingProfile": .object(profile)])
        }
    }
}
