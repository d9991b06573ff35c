/** PromQL's vocabulary for highlighting and completion (Prometheus 2.x and 3.x). */

export interface PromFunction {
  name: string;
  /** Argument list as the Prometheus docs write it. */
  args: string;
  doc: string;
}

/** Functions, with the one-line meaning a completion list can show. */
export const FUNCTIONS: PromFunction[] = [
  { name: 'abs', args: 'v instant-vector', doc: 'Absolute value of every sample.' },
  { name: 'absent', args: 'v instant-vector', doc: '1 when the vector has no elements, else empty.' },
  { name: 'absent_over_time', args: 'v range-vector', doc: '1 when the range vector has no elements, else empty.' },
  { name: 'avg_over_time', args: 'v range-vector', doc: 'Average of all points in the range.' },
  { name: 'ceil', args: 'v instant-vector', doc: 'Rounds every sample up to the nearest integer.' },
  { name: 'changes', args: 'v range-vector', doc: 'How often the value changed in the range.' },
  { name: 'clamp', args: 'v instant-vector, min scalar, max scalar', doc: 'Clamps every sample between min and max.' },
  { name: 'clamp_max', args: 'v instant-vector, max scalar', doc: 'Clamps every sample to at most max.' },
  { name: 'clamp_min', args: 'v instant-vector, min scalar', doc: 'Clamps every sample to at least min.' },
  { name: 'count_over_time', args: 'v range-vector', doc: 'Number of points in the range.' },
  { name: 'day_of_month', args: 'v=vector(time()) instant-vector', doc: 'Day of the month (1–31) in UTC.' },
  { name: 'day_of_week', args: 'v=vector(time()) instant-vector', doc: 'Day of the week (0 = Sunday) in UTC.' },
  { name: 'day_of_year', args: 'v=vector(time()) instant-vector', doc: 'Day of the year (1–366) in UTC.' },
  { name: 'days_in_month', args: 'v=vector(time()) instant-vector', doc: 'Number of days in the month in UTC.' },
  {
    name: 'delta',
    args: 'v range-vector',
    doc: 'Difference between the first and last value of a gauge in the range.',
  },
  { name: 'deriv', args: 'v range-vector', doc: 'Per-second derivative of a gauge by simple linear regression.' },
  {
    name: 'double_exponential_smoothing',
    args: 'v range-vector, sf scalar, tf scalar',
    doc: 'Smoothed value of a gauge (Prometheus 3; was holt_winters).',
  },
  { name: 'exp', args: 'v instant-vector', doc: 'Exponential function of every sample.' },
  { name: 'floor', args: 'v instant-vector', doc: 'Rounds every sample down to the nearest integer.' },
  { name: 'histogram_avg', args: 'v instant-vector', doc: 'Average of the observations in native histograms.' },
  { name: 'histogram_count', args: 'v instant-vector', doc: 'Count of observations in native histograms.' },
  {
    name: 'histogram_fraction',
    args: 'lower scalar, upper scalar, v instant-vector',
    doc: 'Share of observations between lower and upper.',
  },
  {
    name: 'histogram_quantile',
    args: 'φ scalar, b instant-vector',
    doc: 'φ-quantile (0 ≤ φ ≤ 1) from histogram buckets.',
  },
  {
    name: 'histogram_stddev',
    args: 'v instant-vector',
    doc: 'Estimated standard deviation of native histogram observations.',
  },
  { name: 'histogram_stdvar', args: 'v instant-vector', doc: 'Estimated variance of native histogram observations.' },
  { name: 'histogram_sum', args: 'v instant-vector', doc: 'Sum of observations in native histograms.' },
  {
    name: 'holt_winters',
    args: 'v range-vector, sf scalar, tf scalar',
    doc: 'Smoothed value of a gauge (Prometheus 2).',
  },
  { name: 'hour', args: 'v=vector(time()) instant-vector', doc: 'Hour of the day (0–23) in UTC.' },
  { name: 'idelta', args: 'v range-vector', doc: 'Difference between the last two points of a gauge.' },
  { name: 'increase', args: 'v range-vector', doc: 'Increase of a counter over the range.' },
  { name: 'irate', args: 'v range-vector', doc: 'Per-second rate of a counter from the last two points.' },
  {
    name: 'label_join',
    args: 'v instant-vector, dst string, separator string, src_1 string, …',
    doc: 'Joins the values of labels into a new label.',
  },
  {
    name: 'label_replace',
    args: 'v instant-vector, dst string, replacement string, src string, regex string',
    doc: 'Sets a label from a regex match on another label.',
  },
  { name: 'last_over_time', args: 'v range-vector', doc: 'Most recent point in the range.' },
  { name: 'ln', args: 'v instant-vector', doc: 'Natural logarithm of every sample.' },
  { name: 'log10', args: 'v instant-vector', doc: 'Decimal logarithm of every sample.' },
  { name: 'log2', args: 'v instant-vector', doc: 'Binary logarithm of every sample.' },
  { name: 'mad_over_time', args: 'v range-vector', doc: 'Median absolute deviation of the points in the range.' },
  { name: 'max_over_time', args: 'v range-vector', doc: 'Largest point in the range.' },
  { name: 'min_over_time', args: 'v range-vector', doc: 'Smallest point in the range.' },
  { name: 'minute', args: 'v=vector(time()) instant-vector', doc: 'Minute of the hour (0–59) in UTC.' },
  { name: 'month', args: 'v=vector(time()) instant-vector', doc: 'Month of the year (1–12) in UTC.' },
  {
    name: 'predict_linear',
    args: 'v range-vector, t scalar',
    doc: 'Value in t seconds by simple linear regression (one straight line).',
  },
  { name: 'present_over_time', args: 'v range-vector', doc: '1 for every series with a point in the range.' },
  {
    name: 'quantile_over_time',
    args: 'φ scalar, v range-vector',
    doc: 'φ-quantile (0 ≤ φ ≤ 1) of the points in the range.',
  },
  { name: 'rate', args: 'v range-vector', doc: 'Per-second average rate of increase of a counter.' },
  { name: 'resets', args: 'v range-vector', doc: 'Number of counter resets in the range.' },
  {
    name: 'round',
    args: 'v instant-vector, to_nearest=1 scalar',
    doc: 'Rounds every sample to the nearest multiple of to_nearest.',
  },
  { name: 'scalar', args: 'v instant-vector', doc: 'The sample of a one-element vector as a scalar, else NaN.' },
  { name: 'sgn', args: 'v instant-vector', doc: 'Sign of every sample: 1, -1 or 0.' },
  { name: 'sort', args: 'v instant-vector', doc: 'Sorts by sample value, ascending.' },
  { name: 'sort_by_label', args: 'v instant-vector, label string, …', doc: 'Sorts by the given labels, ascending.' },
  {
    name: 'sort_by_label_desc',
    args: 'v instant-vector, label string, …',
    doc: 'Sorts by the given labels, descending.',
  },
  { name: 'sort_desc', args: 'v instant-vector', doc: 'Sorts by sample value, descending.' },
  { name: 'sqrt', args: 'v instant-vector', doc: 'Square root of every sample.' },
  {
    name: 'stddev_over_time',
    args: 'v range-vector',
    doc: 'Population standard deviation of the points in the range.',
  },
  { name: 'stdvar_over_time', args: 'v range-vector', doc: 'Population variance of the points in the range.' },
  { name: 'sum_over_time', args: 'v range-vector', doc: 'Sum of the points in the range.' },
  { name: 'time', args: '', doc: 'Seconds since the epoch at the evaluation time.' },
  { name: 'timestamp', args: 'v instant-vector', doc: 'Timestamp of every sample, in seconds.' },
  { name: 'vector', args: 's scalar', doc: 'The scalar as a vector without labels.' },
  { name: 'year', args: 'v=vector(time()) instant-vector', doc: 'Year in UTC.' },
];

/** Aggregation operators: `sum by (pod) (…)`. */
export const AGGREGATIONS: PromFunction[] = [
  { name: 'avg', args: 'v instant-vector', doc: 'Average over dimensions.' },
  { name: 'bottomk', args: 'k scalar, v instant-vector', doc: 'Smallest k elements by sample value.' },
  { name: 'count', args: 'v instant-vector', doc: 'Number of elements.' },
  { name: 'count_values', args: 'label string, v instant-vector', doc: 'Number of elements with the same value.' },
  { name: 'group', args: 'v instant-vector', doc: '1 for every group.' },
  { name: 'limitk', args: 'k scalar, v instant-vector', doc: 'Any k elements (Prometheus 3, experimental).' },
  {
    name: 'limit_ratio',
    args: 'r scalar, v instant-vector',
    doc: 'A deterministic share r of the elements (Prometheus 3, experimental).',
  },
  { name: 'max', args: 'v instant-vector', doc: 'Maximum over dimensions.' },
  { name: 'min', args: 'v instant-vector', doc: 'Minimum over dimensions.' },
  { name: 'quantile', args: 'φ scalar, v instant-vector', doc: 'φ-quantile (0 ≤ φ ≤ 1) over dimensions.' },
  { name: 'stddev', args: 'v instant-vector', doc: 'Population standard deviation over dimensions.' },
  { name: 'stdvar', args: 'v instant-vector', doc: 'Population variance over dimensions.' },
  { name: 'sum', args: 'v instant-vector', doc: 'Sum over dimensions.' },
  { name: 'topk', args: 'k scalar, v instant-vector', doc: 'Largest k elements by sample value.' },
];

/** Modifiers that take a list of label names: `by (…)`, `on (…)`. */
export const GROUPING_KEYWORDS = ['by', 'without', 'on', 'ignoring', 'group_left', 'group_right'];

/** Other keywords: set operators and modifiers. */
export const KEYWORDS = ['and', 'or', 'unless', 'bool', 'offset', 'atan2', ...GROUPING_KEYWORDS];

/** Durations for range selectors, with Grafana's macros (interpolated by the backend). */
export const RANGE_DURATIONS = [
  '$__rate_interval',
  '$__interval',
  '$__range',
  '1m',
  '5m',
  '15m',
  '1h',
  '6h',
  '1d',
  '7d',
];
