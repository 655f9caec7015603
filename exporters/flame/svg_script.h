// The CSS and JavaScript embedded in every SVG flame graph (no external files): click a box to
// zoom into it, "Reset zoom" (or Escape) to zoom out, "Search" (or Ctrl-F) to highlight boxes
// matching a regular expression and show the share of samples they cover, hover for details.
// Each box is <g class="f" data-s=offset data-n=samples data-d=depth><title>name\n...</title>
// <rect/><text/></g>; the <svg> element carries data-total, data-xpad and data-plotw.
#pragma once

#include <string_view>

namespace agentprof::flame {

inline constexpr std::string_view kSvgStyle = R"CSS(
text { font-family: monospace; font-size: 11px; fill: #000; }
#title { font-size: 17px; font-family: sans-serif; }
#subtitle, #details, #matched, .legend { font-family: sans-serif; font-size: 12px; }
.btn { font-family: sans-serif; font-size: 12px; fill: #1a4fa0; cursor: pointer; }
.btn:hover { text-decoration: underline; }
g.f { cursor: pointer; }
g.f:hover rect { stroke: #000; stroke-width: 0.6; }
g.f text { pointer-events: none; }
g.f.anc rect { opacity: 0.55; }
g.f.hidden { display: none; }
)CSS";

inline constexpr std::string_view kSvgScript = R"JS(
"use strict";
var CHAR_W = 6.7, MATCH_FILL = "rgb(230,0,230)";
var frames = [], total = 0, xpad = 0, plotW = 0, zoomed = null, searchRe = null;
function byId(id) { return document.getElementById(id); }
function init() {
  var root = document.documentElement;
  total = +root.getAttribute("data-total");
  xpad = +root.getAttribute("data-xpad");
  plotW = +root.getAttribute("data-plotw");
  var gs = document.querySelectorAll("g.f");
  for (var i = 0; i < gs.length; i++) {
    var g = gs[i], title = g.querySelector("title").textContent, rect = g.querySelector("rect");
    var f = { g: g, rect: rect, text: g.querySelector("text"), fill: rect.getAttribute("fill"),
              s: +g.getAttribute("data-s"), n: +g.getAttribute("data-n"), d: +g.getAttribute("data-d"),
              name: title.split("\n")[0], info: title.replace(/\n/g, "  |  ") };
    frames.push(f);
    g.addEventListener("click", zoomTo.bind(null, f));
    g.addEventListener("mouseover", showDetails.bind(null, f));
    g.addEventListener("mouseout", showDetails.bind(null, null));
  }
  byId("reset").addEventListener("click", resetZoom);
  byId("search").addEventListener("click", askSearch);
  byId("clear").addEventListener("click", clearSearch);
  window.addEventListener("keydown", function (e) {
    if ((e.ctrlKey || e.metaKey) && e.key === "f") { e.preventDefault(); askSearch(); }
    else if (e.key === "Escape") { resetZoom(); clearSearch(); }
  });
  layout();
}
function fitLabel(name, width) {
  var max = Math.floor((width - 6) / CHAR_W);
  if (max < 3) return "";
  return name.length <= max ? name : name.substring(0, max - 2) + "..";
}
function layout() {
  var zs = zoomed ? zoomed.s : 0, zn = zoomed ? zoomed.n : total, zd = zoomed ? zoomed.d : -1;
  for (var i = 0; i < frames.length; i++) {
    var f = frames[i], x, w, ancestor = false;
    if (f.d < zd) {
      if (f.s > zs || f.s + f.n < zs + zn) { f.g.classList.add("hidden"); continue; }
      x = xpad; w = plotW; ancestor = true;
    } else if (f.s >= zs && f.s + f.n <= zs + zn) {
      x = xpad + (f.s - zs) / zn * plotW; w = f.n / zn * plotW;
    } else { f.g.classList.add("hidden"); continue; }
    f.g.classList.remove("hidden");
    f.g.classList.toggle("anc", ancestor);
    f.rect.setAttribute("x", x.toFixed(2));
    f.rect.setAttribute("width", Math.max(w, 0.5).toFixed(2));
    f.text.setAttribute("x", (x + 3).toFixed(2));
    f.text.textContent = fitLabel(f.name, w);
  }
  byId("reset").style.display = zoomed ? "" : "none";
}
function zoomTo(f) { zoomed = (f.d === 0) ? null : f; layout(); }
function resetZoom() { zoomed = null; layout(); }
function showDetails(f) { byId("details").textContent = f ? f.info : " "; }
function askSearch() {
  var term = window.prompt("Search frames (regular expression)", searchRe ? searchRe.source : "");
  if (term === null || term === "") return;
  try { searchRe = new RegExp(term); }
  catch (e) { searchRe = new RegExp(term.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")); }
  applySearch();
}
function clearSearch() { searchRe = null; applySearch(); }
function applySearch() {
  var spans = [];
  for (var i = 0; i < frames.length; i++) {
    var f = frames[i], hit = searchRe !== null && searchRe.test(f.name);
    f.rect.setAttribute("fill", hit ? MATCH_FILL : f.fill);
    if (hit) spans.push([f.s, f.s + f.n]);
  }
  // Nested matches (recursion, a caller and its callee) cover the same samples: merge intervals.
  spans.sort(function (a, b) { return a[0] - b[0]; });
  var covered = 0, end = -1;
  for (var j = 0; j < spans.length; j++) {
    var a = Math.max(spans[j][0], end);
    if (spans[j][1] > a) { covered += spans[j][1] - a; end = spans[j][1]; }
  }
  byId("matched").textContent = searchRe === null ? " " :
      "Matched: " + (total > 0 ? (100 * covered / total).toFixed(2) : "0.00") + "% (/" + searchRe.source + "/)";
  byId("clear").style.display = searchRe === null ? "none" : "";
}
window.addEventListener("load", init);
)JS";

}  // namespace agentprof::flame
