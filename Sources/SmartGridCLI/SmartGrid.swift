import ArgumentParser
import GridHTTP

/// `smartgrid`: one executable, one subcommand per role (CONTRACT section 1).
@main
struct SmartGrid: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "smartgrid",
        abstract: "Balance electric-vehicle charging across grid substations, and watch it happen.",
        subcommands: [
            UpCommand.self, GatewayCommand.self, BalancerCommand.self, SubstationCommand.self, LoadTestCommand.self, SimulateCommand.self,
        ]
    )

    /// `AsyncParsableCommand.main()`, with malloc held to two arenas and (when asked) the event
    /// loops installed as the concurrency executor first.
    static func main() async {
        ProcessHeap.limitArenas()
        EventLoopExecutor.install()
        await main(nil)
    }
}
