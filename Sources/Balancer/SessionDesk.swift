import Foundation
import GridCore
import GridHTTP
import NIOHTTP1

/// Reads and ends sessions for the gateway, by the substation's id rather than its address
/// (addresses change when a substation moves; ids do not), or, for an order whose fate is
/// unknown, by asking every substation.
struct SessionDesk: Sendable {
    let state: BalancerState
    let client: any SubstationClient
    let timeout: Duration

    enum Answer: Sendable {
        /// The substation's own answer, passed on.
        case substation(UpstreamResponse)
        /// Every substation answered, none holds the session.
        case unknownEverywhere
        /// No substation has that id now.
        case unknownSubstation
        /// Some substations could not be asked, and none of the others holds it.
        case unreachable([String])
    }

    /// `GET` or `DELETE` one session at the substation with id `substationId`.
    func session(_ method: HTTPMethod, id: String, on substationId: String) async -> Answer {
        let url = state.withView { view in view.index(ofSubstationId: substationId).map { view.substations[$0].url } }
        guard let url else { return .unknownSubstation }
        do throws(UpstreamFailure) {
            return .substation(try await client.session(method, id: id, at: url, timeout: timeout))
        } catch {
            return .unreachable([substationId])
        }
    }

    /// `GET` or `DELETE` the session at whichever substation holds it; a `DELETE` leaves every
    /// other substation a tombstone, so the order can start nowhere later.
    func anywhere(_ method: HTTPMethod, id: String) async -> Answer {
        // Every entry, retired ones included: a substation leaving discovery may still hold it.
        let places = state.withView { view in view.substations.map { (url: $0.url, label: $0.id ?? $0.url) } }
        // No substation known (a balancer that has just started with discovery): nothing can be told.
        guard !places.isEmpty else { return .unreachable([]) }
        let answers = await withTaskGroup(of: (String, UpstreamResponse?).self) { group in
            for place in places {
                group.addTask {
                    (place.label, try? await client.session(method, id: id, at: place.url, timeout: timeout))
                }
            }
            var answers: [(String, UpstreamResponse?)] = []
            for await answer in group { answers.append(answer) }
            return answers
        }
        let unanswered = answers.filter { $0.1.map { $0.status != 404 && $0.status != 200 } ?? true }.map(\.0).sorted()
        // A withdrawal must reach every substation, or a late copy could still start where it did not.
        if method == .DELETE, !unanswered.isEmpty { return .unreachable(unanswered) }
        let held = answers.compactMap { $0.1 }.filter { $0.status == 200 }
        // Should an order ever be held twice, the one not undone is the one to show.
        let undone = { (answer: UpstreamResponse) in
            SessionPlacement(json: answer.body)?.status == .cancelled
        }
        if let found = held.first(where: { !undone($0) }) ?? held.first {
            return .substation(found)
        }
        return unanswered.isEmpty ? .unknownEverywhere : .unreachable(unanswered)
    }
}
