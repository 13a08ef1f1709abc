import { load, query } from './test-source';

/**
 * Expected results were produced by promtool 2.42 (`promtool test rules`) on the same series
 * in its expanding notation; each row is [expression, evaluation time, promtool's result].
 * Results are rendered sorted by labels, as promtool compares them.
 */

function at(t: string): number {
  const m = /^(\d+)(m|s)$/.exec(t);
  if (!m) throw new Error(t);
  return Number(m[1]) * (m[2] === 'm' ? 60_000 : 1000);
}

const mixed = load({
  "http_requests_total{job=\"api\",instance=\"1\"}": "0+10x10 100+10x10",
  "http_requests_total{job=\"api\",instance=\"2\"}": "5+3x20",
  "http_requests_total{job=\"web\",instance=\"1\"}": "1 2 3 _ _ 6 stale 8 9",
  "gauge{job=\"api\"}": "1 5 2 8 3 9 4 NaN 7 Inf -Inf 3",
  "gauge{job=\"web\"}": "10 -5 3.5 2.25 1e10 -1e10 7 7 7 8",
  "req_bucket{le=\"0.1\",job=\"api\"}": "0+1x20",
  "req_bucket{le=\"0.5\",job=\"api\"}": "0+3x20",
  "req_bucket{le=\"1\",job=\"api\"}": "0+4x20",
  "req_bucket{le=\"+Inf\",job=\"api\"}": "0+5x20",
  "req_bucket{le=\"0.1\",job=\"web\"}": "0+2x20",
  "req_bucket{le=\"0.5\",job=\"web\"}": "0+1x20",
  "req_bucket{le=\"+Inf\",job=\"web\"}": "0+3x20",
  "info{job=\"api\",version=\"1.2\"}": "1x20",
  "info{job=\"web\",version=\"2.0\"}": "1x20",
});

const counters = load({
  "c{job=\"a\"}": "0 10 20 5 15 stale 30 40 _ _ 50",
  "c{job=\"b\"}": "100 200 50 60 70 80 90 100 110 120 130",
  "g{job=\"a\",x=\"1\"}": "1 2 3 4 5 6 7 8 9 10 11",
  "g{job=\"a\",x=\"2\"}": "NaN 2 NaN 4 NaN 6 NaN 8 NaN 10 NaN",
  "g{job=\"b\",x=\"1\"}": "3x10",
  "h{job=\"a\"}": "1e10 1e10 1e10",
  "h{job=\"b\"}": "0.1 0.2 0.3 0.7 1000 1e-5 100000 123.456 1e21 1e-7 -0",
  "k{le=\"1\",job=\"a\"}": "5x10",
  "k{le=\"2\",job=\"a\"}": "3x10",
  "k{le=\"+Inf\",job=\"a\"}": "8x10",
  "k{le=\"-1\",job=\"b\"}": "1x10",
  "k{le=\"0\",job=\"b\"}": "2x10",
  "k{le=\"+Inf\",job=\"b\"}": "4x10",
  "k{le=\"1\",job=\"c\"}": "0x10",
  "k{le=\"+Inf\",job=\"c\"}": "0x10",
  "k{le=\"1\",job=\"d\"}": "1x10",
  "k{le=\"2\",job=\"d\"}": "1x10",
  "k{le=\"abc\",job=\"e\"}": "1x10",
});

describe('agrees with promtool 2.42 on counters, gauges, histograms and joins', () => {
  it.each([
  ["rate(http_requests_total[5m])", "10m", "{instance=\"1\", job=\"api\"} 0.16666666666666669 | {instance=\"1\", job=\"web\"} 0.0125 | {instance=\"2\", job=\"api\"} 0.05"],
  ["rate(http_requests_total[5m])", "12m", "{instance=\"1\", job=\"api\"} 0.13333333333333333 | {instance=\"1\", job=\"web\"} 0.005 | {instance=\"2\", job=\"api\"} 0.05"],
  ["increase(http_requests_total[3m])", "11m", "{instance=\"1\", job=\"api\"} 20 | {instance=\"2\", job=\"api\"} 9"],
  ["irate(http_requests_total[5m])", "11m", "{instance=\"1\", job=\"api\"} 0 | {instance=\"1\", job=\"web\"} 0.016666666666666666 | {instance=\"2\", job=\"api\"} 0.05"],
  ["delta(gauge[5m])", "6m", "{job=\"api\"} -1 | {job=\"web\"} 12"],
  ["idelta(gauge[5m])", "5m", "{job=\"api\"} 6 | {job=\"web\"} -20000000000"],
  ["deriv(gauge{job=\"web\"}[5m])", "6m", "{job=\"web\"} -9523809.501309523"],
  ["predict_linear(http_requests_total[5m], 3600)", "8m", "{instance=\"1\", job=\"api\"} 680 | {instance=\"1\", job=\"web\"} 69 | {instance=\"2\", job=\"api\"} 209"],
  ["avg_over_time(gauge[5m])", "5m", "{job=\"api\"} 4.666666666666667 | {job=\"web\"} 1.7916667461395264"],
  ["avg_over_time(gauge{job=\"web\"}[10m])", "9m", "{job=\"web\"} 3.9750000476837157"],
  ["min_over_time(gauge[10m])", "9m", "{job=\"api\"} 1 | {job=\"web\"} -10000000000"],
  ["max_over_time(gauge[10m])", "9m", "{job=\"api\"} Infinity | {job=\"web\"} 10000000000"],
  ["sum_over_time(gauge{job=\"web\"}[10m])", "9m", "{job=\"web\"} 39.75"],
  ["count_over_time(http_requests_total[5m])", "8m", "{instance=\"1\", job=\"api\"} 6 | {instance=\"1\", job=\"web\"} 3 | {instance=\"2\", job=\"api\"} 6"],
  ["stddev_over_time(gauge{job=\"web\"}[10m])", "9m", "{job=\"web\"} 4472135954.999579"],
  ["stdvar_over_time(gauge{job=\"web\"}[10m])", "9m", "{job=\"web\"} 20000000000000000000"],
  ["quantile_over_time(0.9, gauge[10m])", "9m", "{job=\"api\"} Infinity | {job=\"web\"} 1000000008.9999964"],
  ["quantile_over_time(0.3, gauge{job=\"web\"}[10m])", "9m", "{job=\"web\"} 3.125"],
  ["last_over_time(http_requests_total[2m])", "7m", "{__name__=\"http_requests_total\", instance=\"1\", job=\"api\"} 70 | {__name__=\"http_requests_total\", instance=\"1\", job=\"web\"} 8 | {__name__=\"http_requests_total\", instance=\"2\", job=\"api\"} 26"],
  ["present_over_time(http_requests_total[1m])", "7m", "{instance=\"1\", job=\"api\"} 1 | {instance=\"1\", job=\"web\"} 1 | {instance=\"2\", job=\"api\"} 1"],
  ["changes(gauge[10m])", "9m", "{job=\"api\"} 9 | {job=\"web\"} 7"],
  ["resets(http_requests_total[20m])", "20m", "{instance=\"1\", job=\"api\"} 0 | {instance=\"1\", job=\"web\"} 0 | {instance=\"2\", job=\"api\"} 0"],
  ["absent(nonexistent{job=\"x\",a=~\"b\"})", "1m", "{job=\"x\"} 1"],
  ["absent(http_requests_total)", "1m", ""],
  ["absent_over_time(nonexistent{job=\"x\"}[5m])", "1m", "{job=\"x\"} 1"],
  ["http_requests_total{job=\"web\"}", "7m", "{__name__=\"http_requests_total\", instance=\"1\", job=\"web\"} 8"],
  ["http_requests_total{job=\"web\"}", "6m", ""],
  ["http_requests_total offset 2m", "5m", "{__name__=\"http_requests_total\", instance=\"1\", job=\"api\"} 30 | {__name__=\"http_requests_total\", instance=\"1\", job=\"web\"} 3 | {__name__=\"http_requests_total\", instance=\"2\", job=\"api\"} 14"],
  ["http_requests_total offset -2m", "5m", "{__name__=\"http_requests_total\", instance=\"1\", job=\"api\"} 70 | {__name__=\"http_requests_total\", instance=\"1\", job=\"web\"} 8 | {__name__=\"http_requests_total\", instance=\"2\", job=\"api\"} 26"],
  ["http_requests_total @ 120", "10m", "{__name__=\"http_requests_total\", instance=\"1\", job=\"api\"} 20 | {__name__=\"http_requests_total\", instance=\"1\", job=\"web\"} 3 | {__name__=\"http_requests_total\", instance=\"2\", job=\"api\"} 11"],
  ["http_requests_total @ end() offset 1m", "10m", "{__name__=\"http_requests_total\", instance=\"1\", job=\"api\"} 90 | {__name__=\"http_requests_total\", instance=\"1\", job=\"web\"} 9 | {__name__=\"http_requests_total\", instance=\"2\", job=\"api\"} 32"],
  ["sum by (job) (http_requests_total)", "5m", "{job=\"api\"} 70 | {job=\"web\"} 6"],
  ["sum without (instance) (http_requests_total)", "5m", "{job=\"api\"} 70 | {job=\"web\"} 6"],
  ["avg(gauge)", "3m", "{} 5.125"],
  ["min(gauge) by (job)", "7m", "{job=\"api\"} NaN | {job=\"web\"} 7"],
  ["max(gauge)", "7m", "{} 7"],
  ["count(http_requests_total)", "5m", "{} 3"],
  ["count_values(\"v\", gauge)", "8m", "{v=\"7\"} 2"],
  ["count_values without (job) (\"v\", gauge)", "8m", "{v=\"7\"} 2"],
  ["group by (job) (http_requests_total)", "5m", "{job=\"api\"} 1 | {job=\"web\"} 1"],
  ["stddev(http_requests_total)", "5m", "{} 18.354533197248273"],
  ["stdvar by (job) (http_requests_total)", "5m", "{job=\"api\"} 225 | {job=\"web\"} 0"],
  ["topk(2, http_requests_total)", "5m", "{__name__=\"http_requests_total\", instance=\"1\", job=\"api\"} 50 | {__name__=\"http_requests_total\", instance=\"2\", job=\"api\"} 20"],
  ["bottomk(1, http_requests_total) by (job)", "5m", "{__name__=\"http_requests_total\", instance=\"1\", job=\"web\"} 6 | {__name__=\"http_requests_total\", instance=\"2\", job=\"api\"} 20"],
  ["topk(0, http_requests_total)", "5m", ""],
  ["quantile(0.5, http_requests_total)", "5m", "{} 20"],
  ["quantile by (job) (0.25, http_requests_total)", "5m", "{job=\"api\"} 27.5 | {job=\"web\"} 6"],
  ["histogram_quantile(0.5, rate(req_bucket[5m]))", "10m", "{job=\"api\"} 0.4 | {job=\"web\"} 0.07500000000000001"],
  ["histogram_quantile(0.99, req_bucket)", "10m", "{job=\"api\"} 1 | {job=\"web\"} 0.5"],
  ["histogram_quantile(0.9, sum by (le) (req_bucket))", "10m", "{} 1"],
  ["histogram_quantile(1.5, req_bucket)", "10m", "{job=\"api\"} Infinity | {job=\"web\"} Infinity"],
  ["histogram_quantile(0, req_bucket)", "10m", "{job=\"api\"} 0 | {job=\"web\"} 0"],
  ["http_requests_total and on(job) info{version=\"1.2\"}", "5m", "{__name__=\"http_requests_total\", instance=\"1\", job=\"api\"} 50 | {__name__=\"http_requests_total\", instance=\"2\", job=\"api\"} 20"],
  ["http_requests_total or gauge", "5m", "{__name__=\"gauge\", job=\"api\"} 9 | {__name__=\"gauge\", job=\"web\"} -10000000000 | {__name__=\"http_requests_total\", instance=\"1\", job=\"api\"} 50 | {__name__=\"http_requests_total\", instance=\"1\", job=\"web\"} 6 | {__name__=\"http_requests_total\", instance=\"2\", job=\"api\"} 20"],
  ["http_requests_total unless on(job) info{version=\"1.2\"}", "5m", "{__name__=\"http_requests_total\", instance=\"1\", job=\"web\"} 6"],
  ["http_requests_total * on(job) group_left(version) info", "5m", "{instance=\"1\", job=\"api\", version=\"1.2\"} 50 | {instance=\"1\", job=\"web\", version=\"2.0\"} 6 | {instance=\"2\", job=\"api\", version=\"1.2\"} 20"],
  ["info * on(job) group_right(version) http_requests_total", "5m", "{instance=\"1\", job=\"api\", version=\"1.2\"} 50 | {instance=\"1\", job=\"web\", version=\"2.0\"} 6 | {instance=\"2\", job=\"api\", version=\"1.2\"} 20"],
  ["http_requests_total > on(job) group_left gauge", "5m", "{__name__=\"http_requests_total\", instance=\"1\", job=\"api\"} 50 | {__name__=\"http_requests_total\", instance=\"1\", job=\"web\"} 6 | {__name__=\"http_requests_total\", instance=\"2\", job=\"api\"} 20"],
  ["http_requests_total + on(job) info", "5m", "ERR multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)"],
  ["label_replace(info, \"v\", \"$1-x\", \"version\", \"(\\\\d+)\\\\..*\")", "5m", "{__name__=\"info\", job=\"api\", v=\"1-x\", version=\"1.2\"} 1 | {__name__=\"info\", job=\"web\", v=\"2-x\", version=\"2.0\"} 1"],
  ["label_replace(info, \"v\", \"$1x\", \"version\", \"(\\\\d+)\\\\..*\")", "5m", "{__name__=\"info\", job=\"api\", version=\"1.2\"} 1 | {__name__=\"info\", job=\"web\", version=\"2.0\"} 1"],
  ["label_replace(info, \"job\", \"\", \"version\", \".*\")", "5m", "{__name__=\"info\", version=\"1.2\"} 1 | {__name__=\"info\", version=\"2.0\"} 1"],
  ["label_join(info, \"jv\", \"-\", \"job\", \"version\")", "5m", "{__name__=\"info\", job=\"api\", jv=\"api-1.2\", version=\"1.2\"} 1 | {__name__=\"info\", job=\"web\", jv=\"web-2.0\", version=\"2.0\"} 1"],
  ["clamp(gauge, 2, 6)", "3m", "{job=\"api\"} 6 | {job=\"web\"} 2.25"],
  ["clamp_min(gauge, 4)", "3m", "{job=\"api\"} 8 | {job=\"web\"} 4"],
  ["clamp_max(gauge, 4)", "3m", "{job=\"api\"} 4 | {job=\"web\"} 2.25"],
  ["round(gauge{job=\"web\"}, 0.5)", "3m", "{job=\"web\"} 2.5"],
  ["round(-gauge{job=\"web\"})", "2m", "{job=\"web\"} -3"],
  ["abs(gauge)", "1m", "{job=\"api\"} 5 | {job=\"web\"} 5"],
  ["ceil(gauge{job=\"web\"})", "3m", "{job=\"web\"} 3"],
  ["floor(gauge{job=\"web\"})", "3m", "{job=\"web\"} 2"],
  ["ln(gauge)", "1m", "{job=\"api\"} 1.6094379124341003 | {job=\"web\"} NaN"],
  ["log2(gauge{job=\"web\"})", "4m", "{job=\"web\"} 33.219280948873624"],
  ["log10(gauge{job=\"web\"})", "4m", "{job=\"web\"} 10"],
  ["exp(gauge{job=\"web\"})", "2m", "{job=\"web\"} 33.11545195869231"],
  ["sqrt(gauge)", "2m", "{job=\"api\"} 1.4142135623730951 | {job=\"web\"} 1.8708286933869707"],
  ["sgn(gauge)", "2m", "{job=\"api\"} 1 | {job=\"web\"} 1"],
  ["timestamp(http_requests_total{job=\"web\"})", "4m", "{instance=\"1\", job=\"web\"} 120"],
  ["timestamp(sum(http_requests_total{job=\"web\"}))", "4m", "{} 240"],
  ["time()", "4m", "{} 240"],
  ["vector(time())", "4m", "{} 240"],
  ["scalar(gauge{job=\"web\"})", "4m", "{} 10000000000"],
  ["scalar(gauge)", "4m", "{} NaN"],
  ["sort_desc(http_requests_total)", "4m", "{__name__=\"http_requests_total\", instance=\"1\", job=\"api\"} 40 | {__name__=\"http_requests_total\", instance=\"1\", job=\"web\"} 3 | {__name__=\"http_requests_total\", instance=\"2\", job=\"api\"} 17"],
  ["minute()", "125m", "{} 5"],
  ["hour(vector(1700000000))", "1m", "{} 22"],
  ["day_of_week(vector(1700000000))", "1m", "{} 2"],
  ["days_in_month(vector(1709251199))", "1m", "{} 29"],
  ["day_of_year(vector(1709251199))", "1m", "{} 60"],
  ["month(vector(1709251199))", "1m", "{} 2"],
  ["year()", "1m", "{} 1970"],
  ["rate(http_requests_total[5m:1m])", "10m", "{instance=\"1\", job=\"api\"} 0.16666666666666669 | {instance=\"1\", job=\"web\"} 0.01 | {instance=\"2\", job=\"api\"} 0.05"],
  ["max_over_time(rate(http_requests_total[2m])[5m:])", "10m", "{instance=\"1\", job=\"api\"} 0.16666666666666666 | {instance=\"1\", job=\"web\"} 0.016666666666666666 | {instance=\"2\", job=\"api\"} 0.05"],
  ["sum_over_time(gauge[5m:2m])", "9m", "{job=\"api\"} 14 | {job=\"web\"} 10000000014"],
  ["avg_over_time(gauge{job=\"web\"}[4m:1m] offset 2m)", "9m", "{job=\"web\"} 3.25"],
  ["-http_requests_total", "2m", "{instance=\"1\", job=\"api\"} -20 | {instance=\"1\", job=\"web\"} -3 | {instance=\"2\", job=\"api\"} -11"],
  ["http_requests_total == bool 5", "0m", "{instance=\"1\", job=\"api\"} 0 | {instance=\"1\", job=\"web\"} 0 | {instance=\"2\", job=\"api\"} 1"],
  ["1 < bool 2", "0m", "{} 1"],
  ["2 ^ 3 ^ 2", "0m", "{} 512"],
  ["http_requests_total{job=\"api\"} / ignoring(instance) group_left sum by (job) (http_requests_total)", "5m", "{instance=\"1\", job=\"api\"} 0.7142857142857143 | {instance=\"2\", job=\"api\"} 0.2857142857142857"],
  ["sum(http_requests_total) by (job) > 30", "5m", "{job=\"api\"} 70"],
  ["count(gauge > 3)", "9m", "{} 2"],
  ["holt_winters(gauge{job=\"web\"}[10m], 0.5, 0.5)", "9m", "{job=\"web\"} -434570302.9165802"],
  ])('%s at %s', async (expr, time, expected) => {
    expect(await query(mixed, expr, at(time))).toBe(expected);
  });
});

describe('agrees with promtool 2.42 on resets, staleness, NaN, subqueries and edge cases', () => {
  it.each([
  ["rate(c[5m])", "5m", "{job=\"a\"} 0.14583333333333334 | {job=\"b\"} 0.6000000000000001"],
  ["rate(c[5m])", "10m", "{job=\"a\"} 0.08333333333333333 | {job=\"b\"} 0.16666666666666669"],
  ["increase(c[10m])", "10m", "{job=\"a\"} 70 | {job=\"b\"} 230"],
  ["resets(c[10m])", "10m", "{job=\"a\"} 1 | {job=\"b\"} 1"],
  ["changes(c[10m])", "10m", "{job=\"a\"} 7 | {job=\"b\"} 10"],
  ["irate(c[3m])", "4m", "{job=\"a\"} 0.16666666666666666 | {job=\"b\"} 0.16666666666666666"],
  ["irate(c[3m])", "3m", "{job=\"a\"} 0.08333333333333333 | {job=\"b\"} 0.16666666666666666"],
  ["delta(c[2m])", "10m", "{job=\"b\"} 20"],
  ["c", "5m", "{__name__=\"c\", job=\"b\"} 80"],
  ["c", "7m", "{__name__=\"c\", job=\"a\"} 40 | {__name__=\"c\", job=\"b\"} 100"],
  ["c", "9m", "{__name__=\"c\", job=\"a\"} 40 | {__name__=\"c\", job=\"b\"} 120"],
  ["count_over_time(c[10m])", "10m", "{job=\"a\"} 8 | {job=\"b\"} 11"],
  ["last_over_time(c[1m])", "6m", "{__name__=\"c\", job=\"a\"} 30 | {__name__=\"c\", job=\"b\"} 90"],
  ["rate(c[1m])", "1m", "{job=\"a\"} 0.16666666666666666 | {job=\"b\"} 1.6666666666666667"],
  ["increase(c{job=\"b\"}[1m30s])", "5m", "{job=\"b\"} 15"],
  ["rate(c{job=\"b\"}[4m] @ 300)", "10m", "{job=\"b\"} 0.3333333333333333"],
  ["rate(c{job=\"b\"}[4m] @ 300 offset 1m)", "10m", "{job=\"b\"} 0.7083333333333334"],
  ["c @ start()", "3m", "{__name__=\"c\", job=\"a\"} 5 | {__name__=\"c\", job=\"b\"} 60"],
  ["sum_over_time(g[3m:1m])", "5m", "{job=\"a\", x=\"1\"} 18 | {job=\"a\", x=\"2\"} NaN | {job=\"b\", x=\"1\"} 12"],
  ["sum_over_time(g[3m:2m])", "5m", "{job=\"a\", x=\"1\"} 8 | {job=\"a\", x=\"2\"} NaN | {job=\"b\", x=\"1\"} 6"],
  ["sum_over_time(g[150s:1m])", "5m", "{job=\"a\", x=\"1\"} 15 | {job=\"a\", x=\"2\"} NaN | {job=\"b\", x=\"1\"} 9"],
  ["count_over_time(g[5m:90s])", "10m", "{job=\"a\", x=\"1\"} 3 | {job=\"a\", x=\"2\"} 3 | {job=\"b\", x=\"1\"} 3"],
  ["max_over_time(g[5m])", "5m", "{job=\"a\", x=\"1\"} 6 | {job=\"a\", x=\"2\"} 6 | {job=\"b\", x=\"1\"} 3"],
  ["min_over_time(g[5m])", "5m", "{job=\"a\", x=\"1\"} 1 | {job=\"a\", x=\"2\"} 2 | {job=\"b\", x=\"1\"} 3"],
  ["avg_over_time(g[5m])", "5m", "{job=\"a\", x=\"1\"} 3.5 | {job=\"a\", x=\"2\"} NaN | {job=\"b\", x=\"1\"} 3"],
  ["stddev_over_time(g[5m])", "5m", "{job=\"a\", x=\"1\"} 1.707825127659933 | {job=\"a\", x=\"2\"} NaN | {job=\"b\", x=\"1\"} 0"],
  ["sum(g)", "3m", "{} 11"],
  ["max(g)", "3m", "{} 4"],
  ["min(g)", "3m", "{} 3"],
  ["max(g)", "4m", "{} 5"],
  ["min(g)", "4m", "{} 3"],
  ["topk(2, g) by (job)", "3m", "{__name__=\"g\", job=\"a\", x=\"1\"} 4 | {__name__=\"g\", job=\"a\", x=\"2\"} 4 | {__name__=\"g\", job=\"b\", x=\"1\"} 3"],
  ["quantile(0.5, g)", "3m", "{} 4"],
  ["quantile(-1, g)", "3m", "{} -Infinity"],
  ["quantile(2, g)", "3m", "{} Infinity"],
  ["count_values(\"val\", g)", "3m", "{val=\"3\"} 1 | {val=\"4\"} 2"],
  ["count_values by (job) (\"val\", g)", "3m", "{job=\"a\", val=\"4\"} 2 | {job=\"b\", val=\"3\"} 1"],
  ["count_values(\"val\", h)", "10m", "{val=\"-0\"} 1"],
  ["count_values(\"val\", h)", "4m", "{val=\"1000\"} 1 | {val=\"10000000000\"} 1"],
  ["count_values(\"val\", h)", "6m", "{val=\"100000\"} 1 | {val=\"10000000000\"} 1"],
  ["count_values(\"val\", h)", "8m", "{val=\"1000000000000000000000\"} 1"],
  ["count_values(\"val\", h)", "9m", "{val=\"0.0000001\"} 1"],
  ["count_values(\"val\", h)", "5m", "{val=\"0.00001\"} 1 | {val=\"10000000000\"} 1"],
  ["histogram_quantile(0.5, k)", "1m", "{job=\"a\"} 0.8 | {job=\"b\"} 0 | {job=\"c\"} NaN | {job=\"d\"} NaN"],
  ["histogram_quantile(0.1, k)", "1m", "{job=\"a\"} 0.16 | {job=\"b\"} -1 | {job=\"c\"} NaN | {job=\"d\"} NaN"],
  ["histogram_quantile(0.9, k)", "1m", "{job=\"a\"} 2 | {job=\"b\"} 0 | {job=\"c\"} NaN | {job=\"d\"} NaN"],
  ["histogram_quantile(1, k)", "1m", "{job=\"a\"} 2 | {job=\"b\"} 0 | {job=\"c\"} NaN | {job=\"d\"} NaN"],
  ["histogram_quantile(0.2, k{job=\"b\"})", "1m", "{job=\"b\"} -1"],
  ["g * on(job) group_left g", "1m", "ERR found duplicate series for the match group {job=\"a\"} on the right hand-side of the operation: [{__name__=\"g\", job=\"a\", x=\"2\"}, {__name__=\"g\", job=\"a\", x=\"1\"}];many-to-many matching not allowed: matching labels must be unique on one side"],
  ["g + ignoring(x) g", "1m", "ERR found duplicate series for the match group {job=\"a\"} on the right hand-side of the operation: [{__name__=\"g\", job=\"a\", x=\"2\"}, {__name__=\"g\", job=\"a\", x=\"1\"}];many-to-many matching not allowed: matching labels must be unique on one side"],
  ["g{x=\"1\"} + ignoring(x) g{x=\"2\"}", "1m", "{job=\"a\"} 4"],
  ["g == bool on(job, x) g", "1m", "{job=\"a\", x=\"1\"} 1 | {job=\"a\", x=\"2\"} 1 | {job=\"b\", x=\"1\"} 1"],
  ["g > bool 2", "1m", "{job=\"a\", x=\"1\"} 0 | {job=\"a\", x=\"2\"} 0 | {job=\"b\", x=\"1\"} 1"],
  ["2 > bool g", "1m", "{job=\"a\", x=\"1\"} 0 | {job=\"a\", x=\"2\"} 0 | {job=\"b\", x=\"1\"} 0"],
  ["2 < g", "3m", "{__name__=\"g\", job=\"a\", x=\"1\"} 4 | {__name__=\"g\", job=\"a\", x=\"2\"} 4 | {__name__=\"g\", job=\"b\", x=\"1\"} 3"],
  ["g and g{x=\"1\"}", "1m", "{__name__=\"g\", job=\"a\", x=\"1\"} 2 | {__name__=\"g\", job=\"b\", x=\"1\"} 3"],
  ["g or on(job) h", "1m", "{__name__=\"g\", job=\"a\", x=\"1\"} 2 | {__name__=\"g\", job=\"a\", x=\"2\"} 2 | {__name__=\"g\", job=\"b\", x=\"1\"} 3"],
  ["g unless on(job) h{job=\"b\"}", "1m", "{__name__=\"g\", job=\"a\", x=\"1\"} 2 | {__name__=\"g\", job=\"a\", x=\"2\"} 2"],
  ["label_replace(g, \"job\", \"same\", \"\", \"\")", "1m", "ERR vector cannot contain metrics with the same labelset"],
  ["label_replace(g, \"y\", \"${1}_$2\", \"job\", \"(.)(.*)\")", "1m", "{__name__=\"g\", job=\"a\", x=\"1\", y=\"a_\"} 2 | {__name__=\"g\", job=\"a\", x=\"2\", y=\"a_\"} 2 | {__name__=\"g\", job=\"b\", x=\"1\", y=\"b_\"} 3"],
  ["label_replace(g, \"y\", \"$$1 $z ${named}\", \"job\", \"(?P<named>.)\")", "1m", "{__name__=\"g\", job=\"a\", x=\"1\", y=\"$1  a\"} 2 | {__name__=\"g\", job=\"a\", x=\"2\", y=\"$1  a\"} 2 | {__name__=\"g\", job=\"b\", x=\"1\", y=\"$1  b\"} 3"],
  ["label_replace(g, \"__name__\", \"renamed\", \"job\", \"a\")", "1m", "{__name__=\"g\", job=\"b\", x=\"1\"} 3 | {__name__=\"renamed\", job=\"a\", x=\"1\"} 2 | {__name__=\"renamed\", job=\"a\", x=\"2\"} 2"],
  ["sort(g)", "3m", "{__name__=\"g\", job=\"a\", x=\"1\"} 4 | {__name__=\"g\", job=\"a\", x=\"2\"} 4 | {__name__=\"g\", job=\"b\", x=\"1\"} 3"],
  ["absent(g{job=\"z\", job=\"y\"})", "1m", "{} 1"],
  ["absent(sum(nonexistent{job=\"a\"}))", "1m", "{} 1"],
  ["absent_over_time(g{job=\"a\"}[1m])", "1m", ""],
  ["absent_over_time(nonexistent{job=\"a\",x!=\"1\"}[1m])", "1m", "{job=\"a\"} 1"],
  ["g / 0", "1m", "{job=\"a\", x=\"1\"} Infinity | {job=\"a\", x=\"2\"} Infinity | {job=\"b\", x=\"1\"} Infinity"],
  ["-g % 3", "5m", "{job=\"a\", x=\"1\"} 0 | {job=\"a\", x=\"2\"} 0 | {job=\"b\", x=\"1\"} 0"],
  ["g ^ 0.5", "4m", "{job=\"a\", x=\"1\"} 2.23606797749979 | {job=\"a\", x=\"2\"} NaN | {job=\"b\", x=\"1\"} 1.7320508075688772"],
  ["day_of_month(g)", "4m", "{job=\"a\", x=\"1\"} 1 | {job=\"a\", x=\"2\"} 4 | {job=\"b\", x=\"1\"} 1"],
  ["round(g, 3)", "4m", "{job=\"a\", x=\"1\"} 6 | {job=\"a\", x=\"2\"} NaN | {job=\"b\", x=\"1\"} 3"],
  ["round(h, 0.1)", "3m", "{job=\"a\"} 10000000000 | {job=\"b\"} 0.7"],
  ["clamp(g, 5, 2)", "4m", ""],
  ["predict_linear(c{job=\"b\"}[5m], 60)", "10m", "{job=\"b\"} 140"],
  ["deriv(c{job=\"b\"}[5m])", "10m", "{job=\"b\"} 0.16666666666666666"],
  ["timestamp(c offset 2m)", "10m", "{job=\"a\"} 420 | {job=\"b\"} 480"],
  ])('%s at %s', async (expr, time, expected) => {
    expect(await query(counters, expr, at(time))).toBe(expected);
  });
});

describe('agrees with promtool 2.42 on errors', () => {
  it('reports many-to-many matching (the pair shown depends on series order, random in promtool)', async () => {
    expect(await query(counters, 'vector(1) + on() group_left g', at('1m'))).toMatch(
      /^ERR found duplicate series for the match group \{\} on the right hand-side of the operation: \[\{__name__="g", .*\}, \{__name__="g", .*\}\];many-to-many matching not allowed: matching labels must be unique on one side$/,
    );
  });

  it('refuses a range vector where an instant vector is expected, at the argument (promtool: 1:11)', async () => {
    expect(await query(counters, 'timestamp(c[5m:1m])', at('10m'))).toBe(
      'ERR expected type instant vector in call to function "timestamp", got range vector at line 1, column 11',
    );
  });
});

describe('agrees with promtool 2.42 on logarithms and calendar functions (Go time semantics)', () => {
  const one = load({ x: '1' });
  it.each([
    ["log10(vector(7))", "0m", "{} 0.8450980400142568"],
    ["log10(vector(1e10))", "0m", "{} 10"],
    ["log2(vector(1e-300))", "0m", "{} -996.5784284662087"],
    ["log10(vector(123456789))", "0m", "{} 8.09151497716927"],
    ["year(vector(NaN))", "0m", "{} 292277026596"],
    ["year(vector(1e15))", "0m", "{} 31690708"],
    ["month(vector(-1e10))", "0m", "{} 2"],
    ["day_of_month(vector(-1e10))", "0m", "{} 10"],
    ["day_of_week(vector(-86401))", "0m", "{} 2"],
    ["hour(vector(-1.5))", "0m", "{} 23"],
    ["minute(vector(-1.5))", "0m", "{} 59"],
    ["day_of_year(vector(951782400))", "0m", "{} 60"],
    ["days_in_month(vector(951782400))", "0m", "{} 29"],
    ["days_in_month(vector(4107542400))", "0m", "{} 31"],
    ["year(vector(4107542400))", "0m", "{} 2100"],
    ["minute(vector(9.3e18))", "0m", "{} 30"],
    ["hour()", "1441m", "{} 0"],
    ["day_of_week()", "1441m", "{} 5"],
  ])('%s at %s', async (expr, time, expected) => {
    expect(await query(one, expr, at(time))).toBe(expected);
  });
});

describe("agrees with promtool 2.42 on negative counters, NaN, bucket bounds and value formatting", () => {
  const src = load({
    "c{i=\"1\"}": "-5 -3 0 2 1 4 _ _ 10 NaN 12",
    "c{i=\"2\"}": "10 20 0 5 5 5 5 NaN NaN 6 7",
    "b{le=\"+Inf\"}": "10x10",
    "b{le=\"10\"}": "8x10",
    "b{le=\"5\"}": "NaN NaN NaN NaN NaN",
    "b2{le=\"0.5\"}": "3x10",
    "b2{le=\"1e0\"}": "6x10",
    "b2{le=\"1.0\"}": "1x10",
    "b2{le=\"Inf\"}": "9x10",
    "v{a=\"x\",b=\"y\"}": "-0 1e21 0.30000000000000004 -1.5 NaN",
  }, 30000);
  it.each([
    ["rate(c[2m])", "150s", "{i=\"1\"} 0.075 | {i=\"2\"} 0.041666666666666664"],
    ["rate(c[1m])", "60s", "{i=\"1\"} 0.08333333333333333 | {i=\"2\"} 0.16666666666666666"],
    ["increase(c{i=\"1\"}[5m])", "300s", "{i=\"1\"} 19"],
    ["delta(c[5m])", "300s", "{i=\"1\"} 17 | {i=\"2\"} -3"],
    ["irate(c[90s])", "90s", "{i=\"1\"} 0.06666666666666667 | {i=\"2\"} 0.16666666666666666"],
    ["resets(c[5m])", "300s", "{i=\"1\"} 1 | {i=\"2\"} 1"],
    ["changes(c[5m])", "300s", "{i=\"1\"} 8 | {i=\"2\"} 6"],
    ["deriv(c[1m])", "300s", "{i=\"1\"} NaN | {i=\"2\"} NaN"],
    ["predict_linear(c[2m] @ 120, 60)", "300s", "{i=\"1\"} 16 | {i=\"2\"} -17"],
    ["predict_linear(c[2m], -60)", "120s", "{i=\"1\"} -1 | {i=\"2\"} 8"],
    ["idelta(c[5m])", "300s", "{i=\"1\"} NaN | {i=\"2\"} 1"],
    ["increase(c[1m] offset 30s)", "300s", "{i=\"1\"} NaN | {i=\"2\"} NaN"],
    ["histogram_quantile(0.5, b)", "60s", "{} NaN"],
    ["histogram_quantile(0.9, b)", "60s", "{} 10"],
    ["histogram_quantile(0.5, b2)", "60s", "{} 0.6875"],
    ["histogram_quantile(0.95, b2)", "60s", "{} 1"],
    ["count_values(\"x\", v)", "0s", "{x=\"-0\"} 1"],
    ["count_values(\"x\", v)", "30s", "{x=\"1000000000000000000000\"} 1"],
    ["count_values(\"x\", v)", "60s", "{x=\"0.30000000000000004\"} 1"],
    ["count_values(\"x\", v)", "90s", "{x=\"-1.5\"} 1"],
    ["count_values(\"x\", v)", "120s", "{x=\"NaN\"} 1"],
    ["label_join(v, \"c\", \"\", \"a\", \"b\", \"a\")", "0s", "{__name__=\"v\", a=\"x\", b=\"y\", c=\"xyx\"} 0"],
    ["clamp(v, NaN, 1)", "60s", "{a=\"x\", b=\"y\"} NaN"],
    ["clamp_max(v, NaN)", "60s", "{a=\"x\", b=\"y\"} NaN"],
    ["round(v, -2)", "90s", "{a=\"x\", b=\"y\"} -2"],
    ["round(v, 0)", "90s", "{a=\"x\", b=\"y\"} NaN"],
    ["sgn(v)", "120s", "{a=\"x\", b=\"y\"} NaN"],
    ["sqrt(v)", "90s", "{a=\"x\", b=\"y\"} NaN"],
    ["exp(v)", "30s", "{a=\"x\", b=\"y\"} Infinity"],
    ["sort_desc(c)", "300s", "{__name__=\"c\", i=\"1\"} 12 | {__name__=\"c\", i=\"2\"} 7"],
    ["absent_over_time(c{i=\"1\"}[30s])", "240s", ""],
    ["absent_over_time(c{i=\"1\"}[29s])", "239s", "{i=\"1\"} 1"],
    ["quantile_over_time(0.5, c[5m])", "300s", "{i=\"1\"} 1 | {i=\"2\"} 5"],
    ["stdvar_over_time(c[5m])", "300s", "{i=\"1\"} NaN | {i=\"2\"} NaN"],
    ["avg_over_time(c[5m])", "300s", "{i=\"1\"} NaN | {i=\"2\"} NaN"],
  ])('%s at %s', async (expr, time, expected) => {
    expect(await query(src, expr, at(time))).toBe(expected);
  });
});

describe("agrees with promtool 2.42 on subquery alignment, @ in subqueries and aggregation parameters", () => {
  const src = load({
    "g": "0+1x60",
    "x{a=\"1\"}": "1",
    "x{a=\"2\"}": "5",
    "x{a=\"3\"}": "3",
    "c": "1 2 stale 4 5",
    "y{b=\"aaa!\"}": "1",
  }, 60000);
  it.each([
    ["count_over_time(g[3m:1m])", "630s", "{} 3"],
    ["count_over_time(g[3m:1m])", "10m", "{} 4"],
    ["count_over_time(g[10m:])", "30m", "{} 11"],
    ["sum_over_time((g @ end())[3m:1m])", "10m", "{} 40"],
    ["max_over_time(sum_over_time(g[2m:1m])[4m:2m])", "20m", "{} 57"],
    ["count_over_time(c[2m])", "4m", "{} 2"],
    ["count_over_time(c[3m])", "4m", "{} 3"],
    ["bottomk(1e30, x)", "0m", "ERR Scalar value 1e+30 overflows int64"],
    ["bottomk(1e19, x)", "0m", "ERR Scalar value 1e+19 overflows int64"],
    ["bottomk(-1e19, x)", "0m", "ERR Scalar value -1e+19 overflows int64"],
    ["topk(scalar(x{a=\"1\"}) + 1, x)", "0m", "{__name__=\"x\", a=\"2\"} 5 | {__name__=\"x\", a=\"3\"} 3"],
    ["label_replace(y, \"c\", \"$1\", \"b\", \"(a)\\\\1\")", "0m", "ERR invalid regular expression in label_replace(): (a)\\1"],
    ["label_replace(y, \"c\", \"${1}x$1x$01$name\", \"b\", \"(?P<name>a)(a+)!\")", "0m", "{__name__=\"y\", b=\"aaa!\", c=\"axa\"} 1"],
  ])('%s at %s', async (expr, time, expected) => {
    expect(await query(src, expr, at(time))).toBe(expected);
  });
});

describe("agrees with promtool 2.42 on signs binding looser than offset and @", () => {
  const src = load({
    "x": "1 2 3",
  }, 60000);
  it.each([
    ["-x offset -1m", "0m", "{} -2"],
    ["-x @ 60", "0m", "{} -2"],
  ])('%s at %s', async (expr, time, expected) => {
    expect(await query(src, expr, at(time))).toBe(expected);
  });
});
