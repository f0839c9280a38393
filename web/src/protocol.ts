/** @file the messages between the page and its compute worker: a request id on each, so the page drops stale answers */
import type { ContourLine } from "./contours.js";
import type { CriticalSearchResult } from "./criticalSearch.js";
import type { LabQuery, PointAnalysis } from "./labModel.js";
import type { RaceOptions, RaceResult } from "./raceModel.js";

/** The function's own contours (depend on f only, so the page caches them per function). */
export interface FieldRequest {
  readonly kind: "field";
  readonly query: LabQuery;
  readonly n: number;
}

/** One point's analysis and its Taylor model's contours at the field's levels. */
export interface PointRequest {
  readonly kind: "point";
  readonly query: LabQuery;
  readonly n: number;
  readonly levels: readonly number[];
}

/** Newton on ½‖∇f‖² from the query's point. */
export interface CriticalRequest {
  readonly kind: "critical";
  readonly query: LabQuery;
}

/** Every optimizer's path from the query's point. */
export interface RaceRequest {
  readonly kind: "race";
  readonly query: LabQuery;
  readonly options: RaceOptions;
}

/** Anything the worker computes. */
export type ComputeRequest = FieldRequest | PointRequest | CriticalRequest | RaceRequest;

/** The field's levels and lines. */
export interface FieldResult {
  readonly kind: "field";
  readonly levels: readonly number[];
  readonly lines: readonly ContourLine[];
}

/** The point's record and the Taylor quadratic's lines. */
export interface PointResult {
  readonly kind: "point";
  readonly analysis: PointAnalysis;
  readonly taylor: readonly ContourLine[];
}

/** The critical-point search's record. */
export interface CriticalResult {
  readonly kind: "critical";
  readonly search: CriticalSearchResult;
}

/** The race's paths. */
export interface RaceAnswer {
  readonly kind: "race";
  readonly race: RaceResult;
}

/** What answers a request of each kind. */
export type ComputeResult = FieldResult | PointResult | CriticalResult | RaceAnswer;

/** A request on the wire. */
export interface RequestMessage {
  readonly id: number;
  readonly request: ComputeRequest;
}

/** An answer on the wire: the result, or the error's message (a diverging computation must not freeze the page). */
export type ResponseMessage = { readonly id: number; readonly result: ComputeResult } | { readonly id: number; readonly error: string };
