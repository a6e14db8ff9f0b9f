/* budgetqa report site: sortable tables, the ranking and region table loaded from small script chunks.
   No library, no network: chunks are <script src> files calling BQ.put(path, data), so the site works
   from file:// (where Chromium refuses fetch() of local files) and from any static host or sub-path. */
(function () {
  "use strict";
  var BQ = window.BQ = window.BQ || {};
  var store = {}, waiting = {};
  BQ.put = function (path, data) { store[path] = data; };
  function load(path) {
    if (path in store) return Promise.resolve(store[path]);
    if (!waiting[path]) {
      waiting[path] = new Promise(function (ok, fail) {
        var s = document.createElement("script");
        s.src = path;
        s.onload = function () { ok(store[path]); };
        s.onerror = function () { delete waiting[path]; fail(new Error("cannot load " + path)); };
        document.head.appendChild(s);
      });
    }
    return waiting[path];
  }
  BQ.load = load;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }
  function fmt(v) { return v === null || v === undefined ? "—" : v.toFixed(1); }
  function scoreClass(v) { return v === null || v === undefined ? "s-none" : v >= 90 ? "s-good" : v >= 70 ? "s-fair" : "s-poor"; }

  // -- comparing: empty values last whatever the direction, then by the row's name ------------------
  function cmp(a, b, dir) {
    if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
    var c = typeof a === "string" ? a.localeCompare(b, "zh-Hans-CN") : a - b;
    return dir === "desc" ? -c : c;
  }
  function cellValue(td, type) {
    var v = td.getAttribute("data-v");
    if (v === null) v = td.textContent.trim();
    if (v === "" || v === "—") return null;
    return type === "text" ? v : parseFloat(v);
  }
  function markHeaders(table, col, dir) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, i) {
      if (th.hasAttribute("data-sort")) th.setAttribute("aria-sort", i === col ? (dir === "asc" ? "ascending" : "descending") : "none");
    });
  }
  /* A static table sorted by a column: <th data-sort="num|text" data-first="asc|desc">, <td data-v="…">. */
  function sortTable(table, col, dir) {
    var th = table.tHead.rows[0].cells[col], type = th.getAttribute("data-sort"), body = table.tBodies[0];
    var name = +(table.getAttribute("data-name-col") || 0);
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      return cmp(cellValue(a.cells[col], type), cellValue(b.cells[col], type), dir)
        || cmp(cellValue(a.cells[name], "text"), cellValue(b.cells[name], "text"), "asc");
    });
    rows.forEach(function (r) { body.appendChild(r); });
    table.setAttribute("data-col", col);
    table.setAttribute("data-dir", dir);
    markHeaders(table, col, dir);
  }
  BQ.sortTable = sortTable;
  function sortable(table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, i) {
      if (!th.hasAttribute("data-sort")) return;
      th.tabIndex = 0;
      th.title = "点击排序 / click to sort";
      function go() {
        var same = +table.getAttribute("data-col") === i;
        var dir = same ? (table.getAttribute("data-dir") === "asc" ? "desc" : "asc") : (th.getAttribute("data-first") || "asc");
        sortTable(table, i, dir);
      }
      th.addEventListener("click", go);
      th.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); go(); } });
    });
    if (table.hasAttribute("data-col")) markHeaders(table, +table.getAttribute("data-col"), table.getAttribute("data-dir"));
  }

  /* A section whose table is wider than the screen says so (and can be scrolled sideways). */
  function scrollHints() {
    Array.prototype.forEach.call(document.querySelectorAll("section"), function (s) {
      s.classList.toggle("scrolls", s.scrollWidth > s.clientWidth + 1);
    });
  }

  // -- the ranking (index.html) ------------------------------------------------------------------
  // A row: [department, region, dept key, rank, tie, score, grade, [categories], errors, warnings,
  //         [[sha16, kind, status]], [[year, score]], kind]
  var D = 0, R = 1, K = 2, N = 3, T = 4, S = 5, G = 6, C = 7, E = 8, W = 9, F = 10, Y = 11, KIND = 12;

  function ranking(M) {
    var $ = function (id) { return document.getElementById(id); };
    var ui = {year: $("f-year"), kind: $("f-kind"), level: $("f-level"), region: $("f-region"), grade: $("f-grade"),
              q: $("f-text"), count: $("f-count"), body: $("ranking").tBodies[0], table: $("ranking"),
              pager: $("pager"), note: $("sort-note"), regions: $("regions")};
    var state = {sort: "rank", dir: "desc", page: 1}, token = 0, keyOf = {};
    var gradeOrder = {};
    M.grades.forEach(function (g, i) { gradeOrder[g] = i; });  // worst first: E 0 … A 4, so ascending is worst first

    function value(r, key) {
      if (key === "rank") return r[N];
      if (key === "dept") return r[D] || "";
      if (key === "region") return r[R] || "";
      if (key === "score") return r[S];
      if (key === "grade") return r[S] === null ? null : gradeOrder[r[G]];
      if (key === "errors") return r[E];
      if (key === "warnings") return r[W];
      if (key.indexOf("cat") === 0) return r[C] ? r[C][+key.slice(3)] : null;
      return null;
    }
    function sortRows(rows) {
      var key = state.sort, dir = state.dir;
      return rows.slice().sort(function (a, b) {
        return cmp(value(a, key), value(b, key), dir) || cmp(a[D] || "", b[D] || "", "asc") || cmp(a[R] || "", b[R] || "", "asc");
      });
    }
    function sparkline(trend) {
      var pts = trend.filter(function (t) { return t[1] !== null; });
      if (pts.length < 2) return null;
      var ns = "http://www.w3.org/2000/svg", svg = document.createElementNS(ns, "svg"), line = document.createElementNS(ns, "polyline");
      svg.setAttribute("width", "64"); svg.setAttribute("height", "20"); svg.setAttribute("viewBox", "0 0 64 20");
      line.setAttribute("fill", "none"); line.setAttribute("stroke", "#1d4e89"); line.setAttribute("stroke-width", "1.6");
      line.setAttribute("points", pts.map(function (p, i) {
        return (4 + 56 * i / (pts.length - 1)).toFixed(1) + "," + (18 - 16 * p[1] / 100).toFixed(1);
      }).join(" "));
      svg.appendChild(line);
      return svg;
    }
    function row(r) {
      var tr = el("tr", "dept"), td;
      tr.setAttribute("data-kind", r[KIND]);
      td = el("td", "num rank", r[N] === null ? "—" : String(r[N]));
      if (r[T]) { var tie = el("small", "tie", "="); tie.title = "并列 tie"; td.appendChild(tie); }
      tr.appendChild(td);
      td = el("td", "name");
      var a = el("a"); a.href = "dept/" + r[K] + ".html"; a.appendChild(el("strong", "", r[D])); td.appendChild(a);
      td.appendChild(el("small", "muted region-of", " " + (r[R] || "")));
      tr.appendChild(td);
      td = el("td", "num"); td.appendChild(el("span", "score " + scoreClass(r[S]), fmt(r[S]))); tr.appendChild(td);
      td = el("td"); td.appendChild(el("span", "grade " + (r[G] ? "g-" + r[G].toLowerCase() : "g-none"), r[G] || "—")); tr.appendChild(td);
      M.cats.forEach(function (c, i) {
        var v = r[C] ? r[C][i] : null;
        td = el("td", "num opt cat " + (r[S] === null ? "" : scoreClass(v)));
        if (r[S] === null) td.textContent = "—";
        else if (v === null) { td.appendChild(el("span", "muted na", "未评估")); td.title = "未评估 not assessed"; }
        else td.textContent = fmt(v);
        tr.appendChild(td);
      });
      tr.appendChild(el("td", "num", String(r[E])));
      tr.appendChild(el("td", "num opt", String(r[W])));
      td = el("td", "opt trend");
      var svg = sparkline(r[Y]);
      if (svg) td.appendChild(svg);
      td.title = r[Y].map(function (t) { return t[0] + ": " + fmt(t[1]); }).join(" → ");
      td.appendChild(el("small", "muted", r[Y].length > 1 ? " " + td.title : ""));
      tr.appendChild(td);
      td = el("td", "files");
      r[F].forEach(function (d, i) {
        if (i) td.appendChild(document.createTextNode(" "));
        var link = el("a", "", M.kinds[d[1]] + (d[2] !== "ok" ? "（" + (M.status[d[2]] || d[2]) + "）" : ""));
        link.href = "doc/" + d[0] + ".html";
        td.appendChild(link);
      });
      tr.appendChild(td);
      return tr;
    }
    function csvCell(v) {
      v = v === null || v === undefined ? "" : String(v);
      return /[",\n]/.test(v) ? '"' + v.replace(/"/g, '""') + '"' : v;
    }
    /* The rows shown, as a CSV (UTF-8 with BOM, Chinese headers) behind the 'download this view' link. */
    function exportLink(rows) {
      var head = ["排名", "并列", "部门", "地区", "年度", "类型", "总分", "等级"].concat(M.cats.map(function (c) { return c + "得分"; }),
                                                                    ["错误数", "警告数"]);
      var lines = [head.join(",")].concat(rows.map(function (r) {
        return [r[N], r[T] ? "并列" : "", r[D], r[R], ui.year.value, M.kinds[r[KIND]] || "预算与决算", r[S], r[G]]
          .concat(M.cats.map(function (c, i) { return r[S] === null ? "" : r[C][i] === null ? "未评估" : r[C][i]; }), [r[E], r[W]])
          .map(csvCell).join(",");
      }));
      var a = $("export-view");
      a.href = "data:text/csv;charset=utf-8," + encodeURIComponent("\ufeff" + lines.join("\r\n") + "\r\n");
      a.setAttribute("download", "budgetqa-" + ui.year.value + "-" + ui.kind.value
                     + (ui.region.value ? "-" + ui.region.value : ui.level.value !== "all" ? "-" + ui.level.value : "")
                     + (ui.grade.value ? "-" + ui.grade.value : "") + (pagesShown > 1 ? "-p" + state.page : "") + ".csv");
    }
    var pagesShown = 1;
    function show(rows, page, pages, total) {
      var frag = document.createDocumentFragment();
      rows = sortRows(rows);
      pagesShown = pages;
      exportLink(rows);
      rows.forEach(function (r) { frag.appendChild(row(r)); });
      ui.body.textContent = "";
      ui.body.appendChild(frag);
      ui.count.textContent = total + " 个部门 departments";
      ui.pager.hidden = pages < 2;
      $("page-of").textContent = "第 " + page + " / " + pages + " 页 page";
      $("prev").disabled = page <= 1;
      $("next").disabled = page >= pages;
      var partial = pages > 1 && (state.sort !== "rank" || ui.q.value.trim());
      ui.note.hidden = !partial;
      Array.prototype.forEach.call(ui.table.tHead.rows[0].cells, function (th) {
        var k = th.getAttribute("data-key");
        if (k) th.setAttribute("aria-sort", k === state.sort ? (state.dir === "asc" ? "ascending" : "descending") : "none");
      });
      scrollHints();
    }
    function writeHash() {
      var h = "year=" + encodeURIComponent(ui.year.value) + (ui.kind.value !== "all" ? "&kind=" + ui.kind.value : "")
        + (ui.level.value !== "all" ? "&level=" + ui.level.value : "")
        + (ui.region.value ? "&region=" + encodeURIComponent(ui.region.value) : "")
        + (ui.grade.value ? "&grade=" + ui.grade.value : "")
        + (ui.q.value ? "&q=" + encodeURIComponent(ui.q.value) : "")
        + (state.sort !== "rank" || state.dir !== "desc" ? "&sort=" + state.sort + "&dir=" + state.dir : "")
        + (state.page > 1 ? "&page=" + state.page : "");
      if (history.replaceState) history.replaceState(null, "", "#" + h);  // a link to this view
    }
    function regionTable(list) {
      var body = ui.regions.tBodies[0], frag = document.createDocumentFragment(), level = ui.level.value;
      list.forEach(function (g) {
        if (level !== "all" && g[2] !== level) return;
        var tr = el("tr"), td = el("td", "name");
        td.setAttribute("data-v", g[0] || "");
        if (g[12]) {  // the region has ranked departments that year: its page, and a filter
          var a = el("a", "", g[0] || "（未识别地区）"); a.href = "region/" + g[1] + "-" + ui.year.value + ".html"; td.appendChild(a);
        }
        if (g[12] && g[0] !== null) {
          var f = el("a", "filter", "筛选"); f.title = "在排名中只看该地区 / filter the ranking to this region";
          f.href = "#year=" + encodeURIComponent(ui.year.value) + "&region=" + encodeURIComponent(g[0]);
          f.addEventListener("click", function (e) { e.preventDefault(); ui.region.value = g[0]; state.page = 1; apply(); ui.table.scrollIntoView(); });
          td.appendChild(document.createTextNode(" ")); td.appendChild(f);
        } else if (!g[12]) td.textContent = g[0] || "（未识别地区）";
        tr.appendChild(td);
        tr.appendChild(el("td", "opt", M.levels[g[2]]));
        [3, 4, 5].forEach(function (i) { tr.appendChild(el("td", "num" + (i === 5 ? " opt" : ""), String(g[i]))); });
        td = el("td", "num"); td.appendChild(el("span", "score " + scoreClass(g[6]), fmt(g[6]))); td.setAttribute("data-v", g[6] === null ? "" : g[6]); tr.appendChild(td);
        td = el("td", "num", fmt(g[7])); td.setAttribute("data-v", g[7] === null ? "" : g[7]); tr.appendChild(td);
        td = el("td", "num opt", g[8] === null ? "—" : fmt(g[8]) + "–" + fmt(g[9])); td.setAttribute("data-v", g[8] === null ? "" : g[8]); tr.appendChild(td);
        g[10].forEach(function (n) { tr.appendChild(el("td", "num opt", String(n))); });
        td = el("td", "num", g[11] === null ? "—" : (100 * g[11]).toFixed(0) + "%"); td.setAttribute("data-v", g[11] === null ? "" : g[11]); tr.appendChild(td);
        frag.appendChild(tr);
      });
      body.textContent = "";
      body.appendChild(frag);
      sortTable(ui.regions, +(ui.regions.getAttribute("data-col") || 5), ui.regions.getAttribute("data-dir") || "asc");
    }
    function fillRegions(list) {
      var keep = ui.region.value, level = ui.level.value;
      keyOf = {};
      while (ui.region.options.length > 1) ui.region.remove(1);
      list.filter(function (g) { return g[12] && g[0] !== null && (level === "all" || g[2] === level); })
        .map(function (g) { keyOf[g[0]] = g[1]; return g[0]; })
        .sort(function (a, b) { return a.localeCompare(b, "zh-Hans-CN"); })
        .forEach(function (name) { ui.region.appendChild(el("option", "", name)); });
      ui.region.value = keep in keyOf ? keep : "";
    }
    function apply() {
      var mine = ++token, year = ui.year.value, kind = ui.kind.value, level = ui.level.value, grade = ui.grade.value;
      var q = ui.q.value.trim();
      function keep(r) { return (!q || (r[D] || "").indexOf(q) >= 0) && (!grade || (r[S] === null ? "x" : r[G]) === grade); }
      return load("v/" + year + "/regions-" + kind + ".js").then(function (list) {
        if (mine !== token) return null;
        fillRegions(list);
        regionTable(list);
        writeHash();
        var region = ui.region.value;
        if (region) {  // a region: all its rows at once, sorted and filtered here
          return load("v/" + year + "/r/" + keyOf[region] + ".js").then(function (rows) {
            if (mine !== token) return;
            rows = rows.filter(function (r) { return r[KIND] === kind && keep(r); });
            state.page = 1;
            show(rows, 1, 1, rows.length);
          });
        }
        // The view's chunks hold its rows worst first, PAGE each, grade by grade, unscored last: the page
        // needed is a run of positions in that order (backwards for best first), found from the counts.
        var start = 0, runs = [];
        (M.views[year + "/" + kind + "/" + level] || []).forEach(function (b) {
          if (!grade || b[0] === grade) runs.push([start, start + b[1], b[0] === "x"]);
          start += b[1];
        });
        var order = [], best = state.sort === "rank" && state.dir === "asc";
        runs.forEach(function (run) { if (!run[2]) for (var i = run[0]; i < run[1]; i++) order.push(i); });
        if (best) order.reverse();
        runs.forEach(function (run) { if (run[2]) for (var i = run[0]; i < run[1]; i++) order.push(i); });
        var pages = Math.max(1, Math.ceil(order.length / M.page));
        state.page = Math.max(1, Math.min(state.page, pages));
        writeHash();
        var wanted = order.slice((state.page - 1) * M.page, state.page * M.page), chunks = {};
        wanted.forEach(function (i) { chunks[Math.floor(i / M.page)] = true; });
        return Promise.all(Object.keys(chunks).map(function (c) {
          return load("v/" + year + "/" + kind + "-" + level + "-" + c + ".js").then(function (rows) { return [+c, rows]; });
        })).then(function (loaded) {
          if (mine !== token) return;
          var byChunk = {};
          loaded.forEach(function (p) { byChunk[p[0]] = p[1]; });
          var rows = wanted.map(function (i) { return byChunk[Math.floor(i / M.page)][i % M.page]; });
          var shown = rows.filter(keep);
          show(shown, state.page, pages, q ? shown.length : order.length);
        });
      }).catch(function (err) { ui.count.textContent = "无法载入数据 / cannot load the data: " + err.message; });
    }
    // filters from the address, e.g. index.html#year=2021&kind=budget&region=淮北市杜集区&sort=score&dir=asc
    var wanted = {};
    location.hash.slice(1).split("&").forEach(function (kv) {
      var i = kv.indexOf("=");
      if (i > 0) wanted[kv.slice(0, i)] = decodeURIComponent(kv.slice(i + 1));
    });
    [["year", ui.year], ["kind", ui.kind], ["level", ui.level], ["grade", ui.grade]].forEach(function (p) {
      var v = wanted[p[0]];
      if (v !== undefined && Array.prototype.some.call(p[1].options, function (o) { return o.value === v; })) p[1].value = v;
    });
    if (wanted.q) ui.q.value = wanted.q;
    if (wanted.region) { ui.region.appendChild(el("option", "", wanted.region)); ui.region.value = wanted.region; }
    if (wanted.sort) { state.sort = wanted.sort; state.dir = wanted.dir === "asc" ? "asc" : "desc"; }
    if (wanted.page) state.page = Math.max(1, parseInt(wanted.page, 10) || 1);

    [ui.year, ui.kind, ui.level, ui.region, ui.grade, ui.q].forEach(function (e) {
      e.addEventListener("change", function () { state.page = 1; apply(); });
    });
    ui.q.addEventListener("input", function () { state.page = 1; apply(); });
    $("prev").addEventListener("click", function () { state.page -= 1; apply(); });
    $("next").addEventListener("click", function () { state.page += 1; apply(); });
    Array.prototype.forEach.call(ui.table.tHead.rows[0].cells, function (th) {
      var k = th.getAttribute("data-key");
      if (!k) return;
      th.tabIndex = 0;
      th.title = "点击排序 / click to sort";
      function go() {
        if (state.sort === k) state.dir = state.dir === "asc" ? "desc" : "asc";
        else { state.sort = k; state.dir = th.getAttribute("data-first") || "asc"; }
        if (k === "rank") state.page = 1;
        apply();
      }
      th.addEventListener("click", go);
      th.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); go(); } });
    });
    sortable(ui.regions);
    return apply();
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), sortable);
    var manifest = document.getElementById("bq-manifest");
    if (manifest) ranking(JSON.parse(manifest.textContent));
    scrollHints();
    window.addEventListener("resize", scrollHints);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
