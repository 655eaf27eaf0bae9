// The dashboard's charts (templates/enrollment/dashboard_charts.html), drawn with the vendored
// ECharts from the data each container names (a json_script element: the CSP forbids inline
// scripts). Amounts arrive as decimal strings and are turned into numbers here only to be drawn;
// the exact figures are the tables under the charts.
(function () {
  "use strict";

  var PEOPLE = "人";

  function yuan(value) {
    return Number(value).toLocaleString("zh-CN", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }

  function shortYuan(value) {
    // Axis ticks: 1,250,000 → 125万
    return Math.abs(value) >= 10000 ? (value / 10000).toLocaleString("zh-CN") + "万" : value.toLocaleString("zh-CN");
  }

  function axisTooltip(lines) {
    return { trigger: "axis", axisPointer: { type: "shadow" }, confine: true, formatter: lines };
  }

  function progress(data) {
    var labels = data.weeks.map(function (w) { return w.label; });
    var current = data.year + "年度累计已缴费";
    var last = "上年同期（" + data.last_year + "年度）";
    return {
      tooltip: axisTooltip(function (items) {
        var week = data.weeks[items[0].dataIndex];
        var text = week.label + "（" + week.dates + "）";
        items.forEach(function (item) {
          if (item.value !== null && item.value !== undefined) {
            text += "<br>" + item.marker + item.seriesName + "：" + item.value.toLocaleString("zh-CN") + " " + PEOPLE;
          }
        });
        return text;
      }),
      legend: { top: 0, data: [current, last] },
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: labels, boundaryGap: false },
      yAxis: { type: "value", name: PEOPLE, minInterval: 1 },
      series: [
        { name: current, type: "line", data: data.weeks.map(function (w) { return w.paid; }), symbolSize: 6 },
        { name: last, type: "line", data: data.weeks.map(function (w) { return w.last_year_paid; }),
          lineStyle: { type: "dashed" }, symbolSize: 4 }
      ]
    };
  }

  function spending(data) {
    return {
      tooltip: axisTooltip(function (items) {
        var month = data.months[items[0].dataIndex];
        var text = data.year + "年" + month.label;
        items.forEach(function (item) {
          text += "<br>" + item.marker + item.seriesName + "：" + yuan(month[data.tiers[item.seriesIndex].key]) + " 元";
        });
        return text + "<br>合计：" + yuan(month.total) + " 元";
      }),
      legend: { top: 0, data: data.tiers.map(function (t) { return t.label; }) },
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: data.months.map(function (m) { return m.label; }) },
      yAxis: { type: "value", name: "元", axisLabel: { formatter: shortYuan } },
      series: data.tiers.map(function (tier) {
        return { name: tier.label, type: "bar", stack: "spending", barMaxWidth: 28,
                 data: data.months.map(function (m) { return Number(m[tier.key]); }) };
      })
    };
  }

  function villages(data) {
    return {
      tooltip: axisTooltip(function (items) {
        var row = data.villages[items[0].dataIndex];
        return row.label + "<br>已登记未缴费：" + row.unpaid.toLocaleString("zh-CN") + " " + PEOPLE + "<br>点击查看名单";
      }),
      grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "value", name: PEOPLE, minInterval: 1 },
      yAxis: { type: "category", inverse: true, data: data.villages.map(function (v) { return v.label; }) },
      series: [{ name: "已登记未缴费", type: "bar", barMaxWidth: 20, cursor: "pointer",
                 label: { show: true, position: "right" }, data: data.villages.map(function (v) { return v.unpaid; }) }]
    };
  }

  // 基金收支月报: income and expenditure by month.
  function fundMonths(data) {
    var names = ["收入", "支出"];
    return {
      tooltip: axisTooltip(function (items) {
        var month = data.months[items[0].dataIndex];
        return data.year + "年" + month.label + "<br>收入：" + yuan(month.income) + " 元<br>支出：" + yuan(month.expenditure) + " 元";
      }),
      legend: { top: 0, data: names },
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: data.months.map(function (m) { return m.label; }) },
      yAxis: { type: "value", name: "元", axisLabel: { formatter: shortYuan } },
      series: [
        { name: names[0], type: "bar", barMaxWidth: 24, data: data.months.map(function (m) { return Number(m.income); }) },
        { name: names[1], type: "bar", barMaxWidth: 24, data: data.months.map(function (m) { return Number(m.expenditure); }) }
      ]
    };
  }

  // 基金运行预警: each region's surplus rate against the two warning lines.
  function surplus(data) {
    function pct(v) { return (Number(v) * 100).toFixed(2) + "%"; }
    return {
      tooltip: axisTooltip(function (items) {
        var row = data.regions[items[0].dataIndex];
        return row.label + "<br>当期结余率：" + (row.rate === null ? "—（无收入）" : pct(row.rate));
      }),
      grid: { left: 8, right: 56, top: 16, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: data.regions.map(function (r) { return r.label; }) },
      yAxis: { type: "value", axisLabel: { formatter: function (v) { return (v * 100).toFixed(0) + "%"; } } },
      series: [{
        name: "当期结余率", type: "bar", barMaxWidth: 32,
        data: data.regions.map(function (r) { return r.rate === null ? null : Number(r.rate); }),
        markLine: { symbol: "none", label: { formatter: function (p) { return p.name + " " + pct(p.value); } },
                    data: [{ name: "下限", yAxis: Number(data.low) }, { name: "上限", yAxis: Number(data.high) }] }
      }]
    };
  }

  var BUILDERS = { progress: progress, spending: spending, villages: villages, fund_months: fundMonths, surplus: surplus };

  // A village's bar opens the same list as its row in the table: the link is written once,
  // by the template.
  function linkBars(chart, container, data) {
    var table = document.getElementById(container.dataset.table);
    chart.on("click", function (params) {
      var row = data.villages[params.dataIndex];
      var link = row && table ? table.querySelector('a[data-village="' + row.village_id + '"]') : null;
      if (link) {
        window.location.assign(link.href);
      }
    });
  }

  function draw() {
    if (!window.echarts) {
      return;
    }
    var charts = [];
    var containers = document.querySelectorAll("[data-chart]");
    for (var i = 0; i < containers.length; i += 1) {
      var container = containers[i];
      var build = BUILDERS[container.dataset.chart];
      var source = document.getElementById(container.dataset.source);
      if (!build || !source) {
        continue;
      }
      var data = JSON.parse(source.textContent);
      var chart = window.echarts.init(container, null, { renderer: "canvas", locale: "ZH" });
      chart.setOption(build(data));
      if (container.dataset.chart === "villages") {
        linkBars(chart, container, data);
      }
      container.dataset.drawn = "true";
      charts.push(chart);
    }
    window.addEventListener("resize", function () {
      charts.forEach(function (c) { c.resize(); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
