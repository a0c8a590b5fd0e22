/** The committed (or candidate) green decision. */
export type GreenState = "UNKNOWN" | "ON_GREEN" | "OFF_GREEN";
/** One ball fix. timeMs: milliseconds since the Unix epoch. */
export interface Fix { lat: number; lon: number; accuracyM?: number; accuracyKind?: AccuracyKind; seq?: number; timeMs: number; }
export interface Shot {
  number: number; fromWgs84: LatLon; toWgs84: LatLon; lengthM: number;
  fromSurface: Surface; toSurface: Surface; atFix: number; atMs: number;
}
export interface Transition { from: GreenState; to: GreenState; atMs: number; atFix: number; streak: number; evidence: number | null; }
export interface StateWarning { code: string; message: string; details?: Record<string, unknown>; }
export interface TrackerState {
  sessionId: string;
  courseId: string;
  holeId: number;
  surface: Surface | null;
  surfaceState: GreenState;
  candidateState: GreenState;
  candidateStreak: number;
  surfaceConfidence: number | null;
  distanceToGreenEdgeM: number | null;
  fixCount: number;
  lastSeq: number | null;
  transitions: number;
  suppressedFlickers: number;
  /** What the decision rests on. */
  hysteresisMode: "streak" | "evidence";
  /** Evidence mode: accumulated log-odds that the ball is on the green; null in streak mode. */
  evidenceLogOdds: number | null;
  lastTransition: Transition | null;
  cup: LatLon | null;
  ball: LatLon | null;
  /** From the last fix; null before the first. */
  greenDistances: GreenDistances | null;
  hazards: Hazard[];
  /** The units the layup marks are placed in (TrackerConfig.units). */
  units: Units;
  /** The hole's aim points ahead of the ball, from its line of play (docs/golfer.md). */
  aimPoints: AimPoint[];
  /** The layup marks ahead of the ball. */
  layups: Layup[];
  /** Shots so far (shots.length). */
  strokes: number;
  shots: Shot[];
  warnings: StateWarning[];
  expiresAtMs: number;
  revision: number;
  /** false when the fix's seq was already accepted (acknowledged, not applied). */
  applied: boolean;
}
export interface TrackerConfig {
  /** "streak" (the default, commit streaks) or "evidence" (accumulated log-odds). */
  hysteresisMode?: "streak" | "evidence";
  commitOnStreak?: number;
  commitOffStreak?: number;
  /** Evidence mode: tolerated chance that noise alone switches a settled state (default 0.0001). */
  evidenceFalseSwitchRate?: number;
  /** Evidence mode: decisive fixes that always switch (default 1). */
  evidenceMaxWaitFixes?: number;
  sessionTtlS?: number;
  defaultAccuracyM?: number;
  defaultAccuracyKind?: AccuracyKind;
  /** Metres either side of the line of play in which bunkers and water are hazards (default 20). */
  hazardCorridorM?: number;
  /** Least move of the ball that counts as a shot, in metres (default 5; noisier fixes need more). */
  shotMinDistanceM?: number;
  /** Fixes at the new position that confirm a shot (default 2). */
  shotConfirmFixes?: number;
  /** The units layup marks are placed in: "METRES" (the default) or "YARDS". Distances stay in metres. */
  units?: Units;
}
/** The JSON the HTTP API answers (snake_case), for exact comparisons with a server. */
export type WireJson = { [key: string]: unknown };
/** A fix as the server takes it (`set_ball_locations`), kept until the server confirms it. */
export interface WireFix {
  ball_wgs84: LatLon;
  accuracy_m?: number;
  accuracy_kind?: AccuracyKind;
  seq: number;
  client_time_ms?: number;
}
/** The body `sync` hands to `send`: POST it to `/api/session/set_ball_locations`. */
export interface SyncBody { contract_version: string; session_id: string; fixes: WireFix[]; }
/** What `sync` did. */
export interface SyncResult { sent: number; applied: number; skippedDuplicates: number; pending: number; }
