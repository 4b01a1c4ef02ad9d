/// Service discovery's side of the load view: substations that appear, leave and come back on
/// new addresses. A retired entry is kept only while a dispatch to it is in flight (its answer
/// must land somewhere); then its slot is vacated, so the dead address is not scraped forever,
/// and one substation id never names two entries.
extension LoadView {
    /// Makes the view hold exactly `urls` among its discovered substations: new ones are added
    /// (into a vacant slot when there is one), vanished ones retired (they drain, and are
    /// vacated once nothing is in flight to them), returning ones un-retired. Positions never
    /// change, so dispatches in flight stay valid. Returns the URLs added and retired.
    @discardableResult
    public mutating func reconcileDiscovered(_ urls: Set<String>) -> (added: [String], retired: [String]) {
        var added: [String] = []
        var retired: [String] = []
        for index in substations.indices where substations[index].discovered && !substations[index].vacant {
            let present = urls.contains(substations[index].url)
            if substations[index].retired == present {
                substations[index].retired = !present
                if !present {
                    retired.append(substations[index].url)
                    forgetConfirmed(index)
                }
                refresh(index)
            }
        }
        let known = Set(substations.lazy.filter { !$0.vacant }.map(\.url))
        for url in urls.sorted() where !known.contains(url) {
            let substation = Substation(url: url, ejectionBaseSeconds: ejectionBaseSeconds, discovered: true)
            if let slot = substations.firstIndex(where: \.vacant) {
                substations[slot] = substation
                refresh(slot)
            } else {
                appendEntry(substation)
            }
            added.append(url)
        }
        return (added, retired)
    }

    /// Gives `id` to the entry at `index`. An entry that is retired yields the id to a live one:
    /// a substation back on a new address is the live entry, its old address only a leftover.
    mutating func claim(_ id: String, for index: Int) {
        guard substations[index].id != id else { return }
        if let old = substations[index].id, owners[old] == index { owners[old] = nil }
        if let other = owners[id], other != index, !substations[other].vacant {
            if substations[index].retired && !substations[other].retired {
                substations[index].id = nil
                vacateIfUnneeded(index)
                return
            }
            substations[other].id = nil
            vacateIfUnneeded(other)
        }
        substations[index].id = id
        owners[id] = index
    }

    /// A retired entry routes nothing, so a confirmed dispatch to it need not be counted.
    mutating func forgetConfirmed(_ index: Int) {
        substations[index].pending.removeAll { $0.confirmedAt != nil }
        vacateIfUnneeded(index)
    }

    /// Frees a retired entry's slot once no dispatch to it is in flight.
    mutating func vacateIfUnneeded(_ index: Int) {
        let substation = substations[index]
        guard substation.retired, !substation.vacant, substation.inFlightDispatches == 0 else { return }
        if let id = substation.id, owners[id] == index { owners[id] = nil }
        var vacated = Substation(url: substation.url, ejectionBaseSeconds: ejectionBaseSeconds, discovered: true)
        vacated.retired = true
        vacated.vacant = true
        substations[index] = vacated
        refresh(index)
    }
}
