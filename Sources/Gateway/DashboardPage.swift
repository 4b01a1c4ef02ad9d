/// `GET /dashboard`: one page, its style and script inline, nothing fetched from anywhere else.
/// It follows `GET /api/v1/grid/stream` (Server-Sent Events) and redraws on every frame.
enum DashboardPage {
    static let html = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>smartgrid · live</title>
        <style>
          :root { --bg: #f7f7f5; --card: #fff; --ink: #1d1d1f; --muted: #6b6b70; --line: #e3e3e0; --ok: #009E73; --bad: #D55E00; --warn: #E69F00; }
          * { box-sizing: border-box; }
          body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", sans-serif; background: var(--bg); color: var(--ink); }
          header { display: flex; flex-wrap: wrap; gap: .75rem; align-items: center; padding: .8rem 1.2rem; background: #1d1d1f; color: #fff; }
          header h1 { font-size: 1.15rem; margin: 0; font-weight: 650; }
          .badge { padding: .15rem .55rem; border-radius: 999px; font-size: .8rem; background: #3a3a3c; }
          .badge.ok { background: var(--ok); } .badge.bad { background: var(--bad); }
          main { padding: 1rem 1.2rem 2rem; max-width: 1200px; margin: 0 auto; display: grid; gap: 1rem; }
          .banner { padding: .7rem 1rem; border-radius: 8px; background: #fde8dc; color: #7a2d00; display: none; }
          .banner.show { display: block; }
          .totals { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: .8rem; }
          .card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: .8rem 1rem; }
          .label { color: var(--muted); font-size: .8rem; text-transform: uppercase; letter-spacing: .04em; }
          .value { font-size: 1.5rem; font-weight: 650; font-variant-numeric: tabular-nums; }
          .bar { height: 8px; background: var(--line); border-radius: 4px; overflow: hidden; margin-top: .4rem; }
          .bar > span { display: block; height: 100%; background: #0072B2; }
          #chart { width: 100%; height: 260px; display: block; }
          .legend { display: flex; flex-wrap: wrap; gap: .8rem; font-size: .85rem; margin-top: .3rem; }
          .legend i { display: inline-block; width: 12px; height: 12px; border-radius: 2px; margin-right: .3rem; vertical-align: -1px; }
          .substations { display: grid; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr)); gap: .8rem; }
          .substation h3 { margin: 0 0 .3rem; font-size: 1rem; display: flex; justify-content: space-between; align-items: center; }
          .substation dl { display: grid; grid-template-columns: auto 1fr; gap: .15rem .6rem; margin: .4rem 0 0; font-size: .9rem; }
          .substation dt { color: var(--muted); } .substation dd { margin: 0; text-align: right; font-variant-numeric: tabular-nums; }
          .chargers { list-style: none; margin: .4rem 0 0; padding: 0; font-size: .85rem; } .chargers li { display: flex; gap: .4rem; align-items: baseline; } .chargers li span:last-child { margin-left: auto; font-variant-numeric: tabular-nums; }
          .state { font-size: .75rem; padding: .1rem .45rem; border-radius: 999px; color: #fff; background: var(--ok); }
          .state.down { background: var(--bad); } .state.drained { background: var(--warn); color: #1d1d1f; }
          table { width: 100%; border-collapse: collapse; font-size: .88rem; }
          th, td { text-align: left; padding: .3rem .4rem; border-bottom: 1px solid var(--line); font-variant-numeric: tabular-nums; }
          .admin { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; }
          input, select, button { font: inherit; padding: .3rem .5rem; border: 1px solid #bbb; border-radius: 6px; background: #fff; }
          button { cursor: pointer; } button[hidden] { display: none; }
          .empty { color: var(--muted); font-style: italic; }
          @media (max-width: 600px) { .value { font-size: 1.2rem; } #chart { height: 200px; } }
        </style>
        </head>
        <body>
        <header>
          <h1>smartgrid · live</h1>
          <span class="badge" id="policy">policy: …</span>
          <span class="badge" id="connection">connecting…</span>
        </header>
        <main>
          <div class="banner" id="banner" role="status"></div>
          <section class="totals" aria-label="grid totals">
            <div class="card"><div class="label">Grid power / capacity</div><div class="value" id="power">–</div><div class="bar"><span id="powerBar" style="width:0"></span></div></div>
            <div class="card"><div class="label">Active sessions / points</div><div class="value" id="sessions">–</div></div>
            <div class="card"><div class="label">Admitted per second</div><div class="value" id="admitted">–</div></div>
            <div class="card"><div class="label">Rejected per second</div><div class="value" id="rejected">–</div></div>
            <div class="card"><div class="label">Waiting in line</div><div class="value" id="queue">–</div></div>
            <div class="card"><div class="label">Energy delivered / asked for</div><div class="value" id="energy">–</div><div class="bar"><span id="energyBar" style="width:0"></span></div></div>
          </section>
          <section class="card" aria-label="load per substation">
            <div class="label">Load per substation, last 5 minutes</div>
            <svg id="chart" viewBox="0 0 1000 260" preserveAspectRatio="none" role="img" aria-label="load per substation over time"></svg>
            <div class="legend" id="legend"></div>
          </section>
          <section class="substations" id="substations" aria-label="substations"><p class="empty">Waiting for the first picture of the grid…</p></section>
          <section class="card" aria-label="routing decisions">
            <div class="label">Routing decisions just made</div>
            <table><thead><tr><th>time</th><th>vehicle</th><th>substation</th><th>effective load at decision</th></tr></thead>
            <tbody id="decisions"><tr><td colspan="4" class="empty">No decisions yet.</td></tr></tbody></table>
          </section>
          <section class="card admin" aria-label="admin">
            <span class="label">Admin</span>
            <input type="password" id="token" placeholder="admin token" autocomplete="off" aria-label="admin token">
            <select id="policySelect" aria-label="routing policy" disabled>
              <option>least-load</option><option>p2c</option><option>round-robin</option><option>random</option>
            </select>
            <button id="applyPolicy" disabled>Set policy</button>
            <span id="adminStatus" class="empty">Read-only: enter the balancer's admin token to drain substations or switch policy.</span>
          </section>
        </main>
        <script>
        "use strict";
        // Okabe-Ito: distinguishable with the common colour-vision deficiencies.
        const palette = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"];
        const windowSeconds = 300;
        const history = new Map();      // substation id -> [[time ms, load]]
        let previous = null;            // last frame, for per-second rates
        const $ = (id) => document.getElementById(id);
        const fmt = (value, digits = 0) => Number.isFinite(value) ? value.toFixed(digits) : "–";
        const escape = (text) => String(text).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
        const colour = (id, ids) => palette[ids.indexOf(id) % palette.length];

        function banner(text) { $("banner").textContent = text || ""; $("banner").classList.toggle("show", !!text); }
        function connection(ok, text) { const badge = $("connection"); badge.textContent = text; badge.className = "badge " + (ok ? "ok" : "bad"); }

        function render(frame) {
          const now = Date.parse(frame.time) || Date.now();
          if (!frame.balancerReachable) {
            banner("The gateway cannot reach the balancer: showing the last known picture, retrying every second.");
            connection(false, "balancer unreachable");
            return;
          }
          banner("");
          connection(true, "live");
          $("policy").textContent = "policy: " + frame.policy;
          const substations = frame.substations.filter((s) => s.id);
          const ids = substations.map((s) => s.id).sort();
          let power = 0, capacity = 0, sessions = 0, points = 0, delivered = 0, asked = 0;
          for (const s of substations) {
            if (s.up) { power += s.powerKW || 0; capacity += s.capacityKW || 0; sessions += s.activeSessions || 0; points += s.chargingPoints || 0; }
            delivered += s.energyDeliveredKWh || 0; asked += s.energyRequestedKWh || 0;
            const series = history.get(s.id) || [];
            series.push([now, s.load || 0]);
            while (series.length && series[0][0] < now - windowSeconds * 1000) series.shift();
            history.set(s.id, series);
          }
          $("power").textContent = fmt(power) + " / " + fmt(capacity) + " kW";
          $("powerBar").style.width = capacity > 0 ? Math.min(100, 100 * power / capacity) + "%" : "0";
          $("sessions").textContent = sessions + " / " + points;
          $("queue").textContent = String(frame.waiting ?? 0);
          // Since the substations started: energy delivered against energy their sessions asked for.
          $("energy").textContent = fmt(delivered) + " / " + fmt(asked) + " kWh";
          $("energyBar").style.width = asked > 0 ? Math.min(100, 100 * delivered / asked) + "%" : "0";
          if (previous) {
            const seconds = Math.max(0.001, (now - previous.at) / 1000);
            $("admitted").textContent = fmt((frame.admittedTotal - previous.admitted) / seconds, 1);
            $("rejected").textContent = fmt((frame.rejectedTotal - previous.rejected) / seconds, 1);
          }
          previous = { at: now, admitted: frame.admittedTotal, rejected: frame.rejectedTotal };
          drawChart(ids, now);
          drawCards(substations, ids);
          drawDecisions(frame.recentDecisions);
        }

        function drawChart(ids, now) {
          const width = 1000, height = 260, top = 10, bottom = 24, left = 40;
          let maximum = 1.2;
          for (const id of ids) for (const [, load] of history.get(id) || []) maximum = Math.max(maximum, load * 1.1);
          const x = (t) => left + (width - left - 10) * (1 - (now - t) / (windowSeconds * 1000));
          const y = (v) => height - bottom - (height - top - bottom) * v / maximum;
          let svg = "";
          for (let v = 0; v <= maximum + 1e-9; v += maximum > 2 ? 0.5 : 0.25) {
            svg += `<line x1="${left}" x2="${width}" y1="${y(v)}" y2="${y(v)}" stroke="${Math.abs(v - 1) < 1e-9 ? "#999" : "#eee"}" stroke-dasharray="${Math.abs(v - 1) < 1e-9 ? "6 4" : ""}"/>`;
            svg += `<text x="${left - 6}" y="${y(v) + 4}" text-anchor="end" font-size="12" fill="#6b6b70">${Math.round(v * 100)}%</text>`;
          }
          svg += `<text x="${width - 10}" y="${height - 6}" text-anchor="end" font-size="12" fill="#6b6b70">now</text>`;
          svg += `<text x="${left}" y="${height - 6}" font-size="12" fill="#6b6b70">−5 min</text>`;
          for (const id of ids) {
            const points = (history.get(id) || []).map(([t, v]) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
            svg += `<polyline fill="none" stroke-width="2.5" stroke="${colour(id, ids)}" points="${points}"><title>${escape(id)}</title></polyline>`;
          }
          $("chart").innerHTML = svg;
          $("legend").innerHTML = ids.map((id) => `<span><i style="background:${colour(id, ids)}"></i>${escape(id)}</span>`).join("");
        }

        function drawCards(substations, ids) {
          if (!substations.length) { $("substations").innerHTML = '<p class="empty">The balancer knows no substation yet.</p>'; return; }
          const admin = $("token").value.length > 0;
          $("substations").innerHTML = substations.slice().sort((a, b) => a.id.localeCompare(b.id)).map((s) => {
            const state = !s.up ? ["down", "down"] : (s.drained || s.retired) ? ["drained", "drained"] : ["", "up"];
            return `<article class="card substation" data-substation="${escape(s.id)}">
              <h3><span><i style="display:inline-block;width:10px;height:10px;border-radius:2px;background:${colour(s.id, ids)}"></i> ${escape(s.id)}</span>
              <span class="state ${state[0]}">${state[1]}</span></h3>
              <div class="bar"><span style="width:${Math.min(100, 100 * (s.load || 0))}%;background:${colour(s.id, ids)}"></span></div>
              <dl><dt>load</dt><dd class="load">${fmt(100 * (s.load || 0))}%</dd>
              <dt>power</dt><dd>${fmt(s.powerKW)} / ${fmt(s.capacityKW)} kW</dd>
              <dt>sessions</dt><dd>${s.activeSessions ?? "–"} / ${s.chargingPoints ?? "–"} points</dd></dl>${chargerList(s.chargers)}
              <button data-action="${s.drained ? "undrain" : "drain"}" data-id="${escape(s.id)}" ${admin ? "" : "hidden"}>${s.drained ? "Undrain" : "Drain"}</button>
            </article>`;
          }).join("");
        }

        // Real charge points (OCPP): each one's link state and metered power.
        function chargerList(chargers) {
          if (!chargers || !chargers.length) return "";
          return `<ul class="chargers" aria-label="charge points">${chargers.map((c) =>
            `<li data-charger="${escape(c.chargePointId)}"><span class="state ${c.connected ? "" : "down"}">${c.connected ? "online" : "offline"}</span> ${escape(c.chargePointId)} <span>${fmt(c.powerKW, 1)} kW</span></li>`).join("")}</ul>`;
        }

        function drawDecisions(decisions) {
          if (!decisions || !decisions.length) return;
          $("decisions").innerHTML = decisions.slice(0, 12).map((d) =>
            `<tr><td>${escape(new Date(d.at).toLocaleTimeString())}</td><td>${escape(d.vehicleId)}</td><td>${escape(d.substationId)}</td><td>${fmt(100 * d.effectiveLoad, 1)}%</td></tr>`).join("");
        }

        async function admin(method, path, body) {
          const token = $("token").value;
          const answer = await fetch(path, { method, headers: { "Authorization": "Bearer " + token, "Content-Type": "application/json" }, body: body ? JSON.stringify(body) : undefined });
          $("adminStatus").textContent = answer.ok ? "Done." : answer.status === 401 ? "The token was refused (401)." : "Failed: HTTP " + answer.status;
        }

        $("token").addEventListener("input", () => {
          const on = $("token").value.length > 0;
          $("policySelect").disabled = !on; $("applyPolicy").disabled = !on;
          document.querySelectorAll("[data-action]").forEach((b) => b.hidden = !on);
          $("adminStatus").textContent = on ? "Admin actions go to the balancer with this token." : "Read-only: enter the balancer's admin token to drain substations or switch policy.";
        });
        $("applyPolicy").addEventListener("click", () => admin("PUT", "/api/v1/admin/policy", { policy: $("policySelect").value }));
        $("substations").addEventListener("click", (event) => {
          const button = event.target.closest("[data-action]");
          if (button) admin("POST", `/api/v1/admin/substations/${encodeURIComponent(button.dataset.id)}/${button.dataset.action}`);
        });

        // The gateway's last five minutes, sent first on every (re)connection: the chart starts full.
        function seedHistory(past) {
          history.clear();
          for (const sample of past.samples || []) {
            const t = Date.parse(sample.time);
            for (const s of sample.substations) {
              if (!history.has(s.id)) history.set(s.id, []);
              history.get(s.id).push([t, s.load || 0]);
            }
          }
          const ids = [...history.keys()].sort();
          if (ids.length) drawChart(ids, Date.now());
        }

        function connect() {
          const stream = new EventSource("/api/v1/grid/stream");
          stream.addEventListener("history", (event) => seedHistory(JSON.parse(event.data)));
          stream.addEventListener("grid", (event) => render(JSON.parse(event.data)));
          stream.onopen = () => connection(true, "live");
          stream.onerror = () => {
            connection(false, "disconnected");
            banner("The dashboard lost its connection to the gateway; it reconnects by itself.");
          };
        }
        connect();
        </script>
        </body>
        </html>
        """#
}
