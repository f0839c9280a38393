/** @file what the worker computes for each request: pure functions of the request, testable in Node */
import { contourLines, logLevels, sampleGrid } from "./contours.js";
import { findCriticalPoint } from "./criticalSearch.js";
import { evaluateMany, labFunction } from "./functions.js";
import { analyzePoint, taylorValues } from "./labModel.js";
import type { ComputeRequest, ComputeResult } from "./protocol.js";
import { runRace } from "./raceModel.js";

/** How many contour levels the lab draws. */
export const LEVEL_COUNT = 28;

/** Answers one request. */
export function compute(request: ComputeRequest): ComputeResult {
  switch (request.kind) {
    case "field": {
      const fn = labFunction(request.query.fn, request.query.quadratic);
      const grid = sampleGrid(fn.box, request.n);
      const values = evaluateMany(fn, grid.xs, grid.ys);
      const levels = logLevels(values, LEVEL_COUNT, request.n);
      return { kind: "field", levels, lines: contourLines(values, request.n, levels) };
    }
    case "point": {
      const { query } = request;
      const analysis = analyzePoint(query);
      const grid = sampleGrid(labFunction(query.fn, query.quadratic).box, request.n);
      const model = taylorValues(analysis, [query.x, query.y], grid.xs, grid.ys);
      return { kind: "point", analysis, taylor: contourLines(model, request.n, request.levels) };
    }
    case "critical":
      return { kind: "critical", search: findCriticalPoint(request.query) };
    case "race":
      return { kind: "race", race: runRace(request.query, request.options) };
  }
}
