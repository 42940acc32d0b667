// rca dashboard: polls the service's JSON API and renders it (no framework, no build step).
"use strict";
const REFRESH_MS = 3000;
const el = (tag, attrs = {}, ...kids) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v; else e.setAttribute(k, v);
  }
  for (const k of kids) e.append(k instanceof Node ? k : document.createTextNode(String(k ?? "")));
  return e;
};
const ago = (iso) => {
  if (!iso) return "never";
  const s = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
  return s < 90 ? `${Math.round(s)}s ago` : s < 5400 ? `${Math.round(s / 60)}m ago` : `${Math.round(s / 3600)}h ago`;
};
const fmt = (x, d = 3) => (x === null || x === undefined ? "–" : Number(x).toFixed(d));
// Off loopback every data endpoint needs the token: open the page as /#token=<token> once.
const hashToken = new URLSearchParams(location.hash.slice(1)).get("token");
if (hashToken) { sessionStorage.setItem("rca_token", hashToken); history.replaceState(null, "", location.pathname); }
const token = sessionStorage.getItem("rca_token");
async function getJSON(url) {
  const headers = token ? { Authorization: `Bearer ${token}` } : {};
  const r = await fetch(url, { cache: "no-store", headers });
  if (!r.ok) throw new Error(`${url}: ${r.status}`);
  return r.json();
}

function renderServices(rel) {
  const box = document.getElementById("services");
  box.replaceChildren();
  const overall = rel.health.overall.status;
  const o = document.getElementById("overall");
  o.className = `pill ${overall}`;
  const openInc = rel.health.overall.open_incidents || 0;
  o.textContent = `overall: ${overall} (${rel.health.overall.degraded}/${rel.health.overall.services} need attention` +
    (openInc ? `, ${openInc} open incident${openInc > 1 ? "s" : ""})` : ")");
  for (const [name, sys] of Object.entries(rel.systems)) {
    const h = rel.health.services[name] || { checks: {} };
    const p = rel.predictions[name] || { failure_risk: 0, time_to_threshold: [] };
    const card = el("div", { class: `card ${sys.status}`, "data-service": name },
      el("b", {}, name), " ", el("span", { class: "muted" }, sys.status),
      el("div", { class: "muted" }, `last seen ${ago(sys.last_seen)} · ${sys.logs} logs · ${sys.errors} errors`),
      el("div", {}, `failure risk ${fmt(p.failure_risk, 2)}`));
    if (sys.detectors === "warming up")
      card.append(el("div", { class: "muted" }, `learned detectors warming up (${sys.warming_up.join("; ")}); rules are live`));
    for (const [k, c] of Object.entries(h.checks)) {
      card.append(el("div", { class: c.ok ? "muted" : "" }, `${c.ok ? "✓" : "✗"} ${k} ${fmt(c.value)} (limit ${c.limit})`));
    }
    for (const f of p.time_to_threshold) {
      if (f.stale) card.append(el("div", {}, `⚠ ${f.series}: no new samples (stale)`));
      else if (f.seconds_to_threshold !== null && f.seconds_to_threshold !== undefined)
        card.append(el("div", {}, `⏱ ${f.series} reaches ${f.limit} by ${f.eta} (${fmt(f.seconds_to_threshold / 60, 0)} min after its last sample)`));
    }
    box.append(card);
  }
  if (!Object.keys(rel.systems).length) box.append(el("p", { class: "muted" }, "no data yet"));
  const tb = document.querySelector("#errors tbody");
  tb.replaceChildren(...rel.errors.map((e) => el("tr", {}, el("td", {}, e.service), el("td", {}, e.count),
    el("td", {}, ago(e.last_seen)), el("td", { class: "sig" }, e.template))));
}

function renderIncidents(list) {
  const box = document.getElementById("incidents");
  box.replaceChildren();
  const open = list.filter((i) => i.status === "open").concat(list.filter((i) => i.status !== "open")).slice(0, 5);
  if (!open.length) { box.append(el("p", { class: "muted" }, "none")); return; }
  for (const inc of open) {
    const div = el("div", { class: "incident", "data-incident": inc.id },
      el("h3", {}, `${inc.id} — ${inc.status}`),
      el("div", { class: "muted" }, `start ${inc.start} · services ${inc.services.join(", ")} · ${inc.alarms} alarms`));
    div.append(el("div", {}, el("b", {}, "Root causes")));
    for (const rc of inc.root_causes.slice(0, 3)) {
      const c = el("div", { class: "cause root-cause" }, `#${rc.rank} `, el("b", {}, rc.service),
        ` score ${fmt(rc.score, 2)}`, rc.metric ? ` · metric ${rc.metric}` : "", rc.template ? ` · ${rc.template}` : "");
      for (const ev of (rc.evidence || []).slice(0, 2)) c.append(el("span", { class: "evidence" }, `${ev.source}:${ev.line ?? ""} ${ev.text}`));
      div.append(c);
    }
    if (inc.suggestions.length) {
      div.append(el("div", {}, el("b", {}, "Suggested fixes")));
      for (const s of inc.suggestions.slice(0, 3)) {
        div.append(el("div", { class: "fix" }, el("span", { class: "id" }, s.id), ` ${s.title} (${fmt(s.confidence, 2)})`,
          s.steps.length ? el("div", { class: "muted" }, `→ ${s.steps[0]}`) : ""));
      }
    }
    box.append(div);
  }
}

function chart(title, series) {
  // series: [{name, points: [[t, score]...]}]; scores are in [0, 1]
  const W = 340, H = 110, pad = 4;
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  svg.setAttribute("preserveAspectRatio", "none");
  const all = series.flatMap((s) => s.points.map((p) => p[0]));
  const t0 = Math.min(...all), t1 = Math.max(...all) || t0 + 1;
  const x = (t) => pad + ((t - t0) / Math.max(1e-9, t1 - t0)) * (W - 2 * pad);
  const y = (v) => H - pad - v * (H - 2 * pad);
  const grid = document.createElementNS(ns, "line");
  Object.entries({ x1: 0, x2: W, y1: y(0.95), y2: y(0.95), stroke: "#e0a100", "stroke-dasharray": "4 3" }).forEach(([k, v]) => grid.setAttribute(k, v));
  svg.append(grid);
  const colors = ["#3b6fd8", "#d43c3c", "#2e9d5b", "#8a4fd8", "#e07b00", "#555"];
  series.forEach((s, i) => {
    const path = document.createElementNS(ns, "polyline");
    path.setAttribute("points", s.points.map((p) => `${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join(" "));
    path.setAttribute("fill", "none");
    path.setAttribute("stroke", colors[i % colors.length]);
    path.setAttribute("stroke-width", "1.5");
    svg.append(path);
  });
  return el("div", { class: "chart" }, el("div", { class: "chart-title" }, title,
    el("span", { class: "muted" }, "  " + series.map((s) => s.name).join(", "))), svg);
}

function renderScores(rows) {
  const by = {};
  for (const r of rows) {
    const svc = (by[r.service] ||= {});
    const key = `${r.kind}:${r.name}`;
    (svc[key] ||= []).push([r.ts, r.score]);
  }
  const box = document.getElementById("charts");
  box.replaceChildren();
  for (const [svc, m] of Object.entries(by).sort()) {
    const series = Object.entries(m).slice(0, 6).map(([name, points]) => ({ name, points: points.slice(-300) }));
    box.append(chart(svc, series));
  }
  if (!rows.length) box.append(el("p", { class: "muted" }, "no scores yet"));
}

async function refresh() {
  try {
    const [rel, inc, sc] = await Promise.all([getJSON("/reliability"), getJSON("/v1/incidents?limit=20"), getJSON("/v1/scores?limit=5000")]);
    renderServices(rel);
    renderIncidents(inc.incidents);
    renderScores(sc.scores);
    document.getElementById("updated").textContent = `updated ${new Date().toLocaleTimeString()}`;
    document.body.dataset.loaded = "1";
  } catch (err) {
    document.getElementById("updated").textContent = `refresh failed: ${err.message}`;
  }
}
refresh();
setInterval(refresh, REFRESH_MS);
