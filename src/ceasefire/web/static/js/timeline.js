// The timeline: verdict rows per day stacked by verdict (Chart.js), the agreements' effective
// times and deadlines drawn as lines, and a brush: drag across the chart to set date_from/date_to.
"use strict";

const CFTimeline = (() => {
  const { COLORS, VERDICTS, el, api, setParams } = window.CF;
  const DAY = 86400000;

  function days(from, to) {
    const out = [];
    for (let t = Date.parse(from + "T00:00:00Z"); t <= Date.parse(to + "T00:00:00Z"); t += DAY) {
      out.push(new Date(t).toISOString().slice(0, 10));
    }
    return out;
  }

  const ROW = 13;  // px per row of mark labels
  const ROWS = 3;  // rows reserved above the plot for them

  // Lines at the agreements' start and deadlines (a Chart.js plugin; marks = [{day, label, kind}]).
  // Their labels go in a band reserved above the plot (layout.padding.top), never over the bars
  // and never past the canvas: each takes the first row where it does not overlap a label
  // already drawn, and is drawn left of its line when it would run past the right edge. What was
  // drawn is kept in chart.$cfMarks (the browser tests check it) and the canvas's data-marks.
  const marksPlugin = {
    id: "cfMarks",
    afterDatasetsDraw(chart, _args, opts) {
      const { ctx, chartArea, scales } = chart;
      const labels = chart.data.labels;
      const drawn = [];
      ctx.save();
      ctx.font = "11px sans-serif";
      ctx.textBaseline = "bottom";
      for (const m of opts.marks || []) {
        const i = labels.indexOf(m.day);
        if (i < 0) continue;
        const x = scales.x.getPixelForValue(i);
        const color = m.kind === "start" ? "#000" : "#6a1b9a";
        ctx.strokeStyle = color; ctx.fillStyle = color;
        ctx.setLineDash(m.kind === "start" ? [] : [4, 3]);
        ctx.beginPath(); ctx.moveTo(x, chartArea.top - 2); ctx.lineTo(x, chartArea.bottom); ctx.stroke();
        const w = ctx.measureText(m.label).width;
        const left = x + 3 + w <= chart.width - 2 ? x + 3 : Math.max(2, x - 3 - w);
        let row = 0;
        while (row < ROWS - 1 && drawn.some((d) => d.row === row && left < d.right + 6 && left + w > d.left - 6)) row++;
        const bottom = chartArea.top - 3 - ROW * row;
        ctx.fillText(m.label, left, bottom);
        drawn.push({ label: m.label, row, left, right: left + w, top: bottom - ROW + 2, bottom });
      }
      ctx.restore();
      chart.$cfMarks = drawn;
      chart.canvas.dataset.marks = String(drawn.length);
    },
  };

  // Empty the chart (after a refused request: nothing to show).
  function clear(chart) {
    chart.data.labels = []; chart.data.datasets = [];
    chart.options.plugins.cfMarks.marks = [];
    chart.update();
  }

  async function marks(agreementId) {
    const ids = agreementId ? [agreementId] : (await api("agreements")).map((a) => a.id);
    const out = [];
    for (const id of ids) {
      let a;
      try { a = await api("agreements/" + encodeURIComponent(id)); } catch (err) { continue; }
      if (a.effective_from) out.push({ day: window.CF.day(a.effective_from), label: id + " in force", kind: "start" });
      for (const d of a.deadlines || []) {
        const due = window.CF.day(d.due || d);
        if (due) out.push({ day: due, label: d.provision_id + " due", kind: "deadline" });
      }
    }
    return out;
  }

  function create(canvas, brushBox) {
    const chart = new Chart(canvas, {
      type: "bar",
      data: { labels: [], datasets: [] },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        layout: { padding: { top: ROW * ROWS + 2, bottom: 4 } },
        plugins: { legend: { position: "right", labels: { boxWidth: 10 } }, cfMarks: { marks: [] } },
        scales: {
          x: { stacked: true, ticks: { maxTicksLimit: 12, autoSkip: true }, grid: { display: false } },
          y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } },
        },
        datasets: { bar: { categoryPercentage: 1.0, barPercentage: 1.0 } },
      },
      plugins: [marksPlugin],
    });
    brush(chart, canvas, brushBox);
    return chart;
  }

  function brush(chart, canvas, box) {
    let start = null;
    const rel = (e) => e.clientX - canvas.getBoundingClientRect().left;
    canvas.addEventListener("pointerdown", (e) => {
      if (!chart.data.labels.length) return;
      start = rel(e);
      canvas.setPointerCapture(e.pointerId);
      box.hidden = false;
      box.style.left = start + "px"; box.style.width = "0px";
    });
    canvas.addEventListener("pointermove", (e) => {
      if (start === null) return;
      const x = rel(e);
      box.style.left = Math.min(start, x) + "px"; box.style.width = Math.abs(x - start) + "px";
    });
    canvas.addEventListener("pointerup", (e) => {
      if (start === null) return;
      const x = rel(e);
      box.hidden = true;
      const a = Math.min(start, x), b = Math.max(start, x);
      start = null;
      if (b - a < 4) return;
      const labels = chart.data.labels;
      const clamp = (i) => Math.max(0, Math.min(labels.length - 1, Math.round(i)));
      const from = labels[clamp(chart.scales.x.getValueForPixel(a))];
      const to = labels[clamp(chart.scales.x.getValueForPixel(b))];
      setParams({ date_from: from, date_to: to, offset: null });
    });
  }

  // Fill the chart from /api/aggregates?by=day rows; resolves to the total count shown.
  async function update(chart, query, agreementId) {
    const q = new URLSearchParams(query);
    q.set("by", "day");
    const [agg, ms] = await Promise.all([api("aggregates", q), marks(agreementId)]);
    const rows = agg.rows;
    let total = 0;
    if (!rows.length) {
      chart.data.labels = []; chart.data.datasets = [];
      chart.options.plugins.cfMarks.marks = ms; chart.update();
      return 0;
    }
    const keys = rows.map((r) => r.key).sort();
    const labels = days(keys[0], keys[keys.length - 1]);
    const index = new Map(labels.map((d, i) => [d, i]));
    const series = {};
    for (const r of rows) {
      const v = r.verdict || "none";
      if (!series[v]) series[v] = new Array(labels.length).fill(0);
      series[v][index.get(r.key)] += r.count;
      total += r.count;
    }
    const order = VERDICTS.concat(["none"]).filter((v) => series[v]);
    chart.data.labels = labels;
    chart.data.datasets = order.map((v) => ({
      label: v.replace("_", " "), data: series[v], backgroundColor: COLORS[v], borderWidth: 0,
    }));
    chart.options.plugins.cfMarks.marks = ms;
    chart.update();
    return total;
  }

  function legendText(ms) {
    return ms.map((m) => m.day + ": " + m.label).join(" · ");
  }

  return { create, update, clear, marks, legendText };
})();
window.CFTimeline = CFTimeline;
