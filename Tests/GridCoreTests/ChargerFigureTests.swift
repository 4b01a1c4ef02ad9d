import Testing

@testable import GridCore

struct ChargerFigureTests {
    @Test func aScrapeOfAnOCPPSubstationNamesItsChargers() throws {
        let exposition = """
            substation_load{substation="S1"} 0.5
            substation_capacity_watts{substation="S1"} 30000
            substation_power_watts{substation="S1"} 15000
            substation_active_sessions{substation="S1"} 1
            substation_charging_points{substation="S1"} 6
            substation_charger_connected{substation="S1",charge_point="CP2"} 0
            substation_charger_connected{substation="S1",charge_point="CP1"} 1
            substation_charger_power_watts{substation="S1",charge_point="CP1"} 7200
            substation_charger_power_watts{substation="S1",charge_point="CP2"} 0

            """
        let figures = try ScrapedFigures.read(exposition: exposition)
        #expect(
            figures.chargers == [
                ChargerFigure(chargePointId: "CP1", connected: true, powerKW: 7.2),
                ChargerFigure(chargePointId: "CP2", connected: false, powerKW: 0),
            ])
    }

    @Test func aSimulatedSubstationHasNone() throws {
        let exposition = """
            substation_load{substation="S1"} 0.5
            substation_capacity_watts{substation="S1"} 30000
            substation_power_watts{substation="S1"} 15000
            substation_active_sessions{substation="S1"} 1
            substation_charging_points{substation="S1"} 6

            """
        #expect(try ScrapedFigures.read(exposition: exposition).chargers.isEmpty)
    }
}
