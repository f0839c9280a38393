/** @file plotting's browser-safe surface: data records → chart specs → SVG (PNG is in png.ts, Node only) */
export { CHART_FONT, DEFAULT_SIZE, renderSvg, SERIES_COLORS, toVegaSpec, type ChartFrame, type ChartSpec } from "./chart.js";
export { lineChart, type LineChartData, type LineSeries } from "./lineChart.js";
export { eigenvalueChart, type EigenvalueChartData, type EigenvalueSeries } from "./eigenvalueChart.js";
export { densityChart, type DensityChartData, type DensitySeries } from "./densityChart.js";
export { landscape1dChart, landscape2dChart, quantileLevels, type Landscape1dData, type Landscape2dData } from "./landscapeChart.js";
export { taylorChart, type TaylorChartData } from "./taylorChart.js";
