// Type-checked with `tsc --noEmit --strict` (scripts/build-wasm's consumers):
// the public types are complete enough to write this without `any`.
import { Course, HoleTracker, type Classification, type TrackerState, type GreensideError, type SyncBody, type SyncResult, type WireFix } from "greenside/nodejs";

declare const text: string;
const course: Course = Course.fromJson(text);
const holes: number[] = course.holeIds();
const c: Classification = course.classify(holes[0], { lat: 40.26824, lon: -111.65952, accuracyM: 4 });
const side: boolean = c.onGreen && c.confidence > 0.9 && c.surface === "GREEN";
const out = new Float64Array(4);
course.classifyInto(holes[0], 40.26824, -111.65952, 4, out);
course.classifyInto(holes[0], 40.26824, -111.65952, undefined, out);
const fastOnGreen: boolean = out[1] === 1;
const t = new HoleTracker(course, 1, { commitOnStreak: 2 });
const s: TrackerState = t.addFix({ lat: 40.26824, lon: -111.65952, timeMs: 0 });
const state: "UNKNOWN" | "ON_GREEN" | "OFF_GREEN" = s.surfaceState;
const x: number = course.toLocal(1, { lat: 40.2, lon: -111.6 }).x;
try {
  course.classify(7, { lat: 0, lon: 0 });
} catch (e) {
  const code: string = (e as GreensideError).code;
  void code;
}
const pending: WireFix[] = t.pendingFixes();
const seq: number = pending[0].seq;
const send = async (body: SyncBody): Promise<unknown> => ({ echo: body.fixes.length });
const synced: Promise<SyncResult> = t.sync(send, "gs_0123456789abcdef0123456789abcdef");
void synced.then((r: SyncResult) => r.pending + r.applied + r.skippedDuplicates + r.sent).catch(() => 0);
void side; void state; void x; void seq;
