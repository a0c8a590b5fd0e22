//! `greenside/classify`: where a ball lies, in the browser and Node, from the
//! same core as the server, in a wasm that carries only that.
//!
//! ```js
//! import { Course } from 'greenside/classify';
//! const course = Course.fromJson(await (await fetch('/api/courses/riverside')).text());
//! course.classify(1, { lat: 40.26824, lon: -111.65952 });   // { surface: 'GREEN', onGreen: true, … }
//! course.yardages(1, { lat: 40.26824, lon: -111.65952 });   // { greenDistances: {frontM, middleM, backM, …}, hazards }
//! ```
//!
//! No JSON parser and no float printing live here (the build fails if they
//! come back, `scripts/build-wasm`): the course file is parsed by
//! `JSON.parse` and read field by field ([`read`]), answers are built and
//! errors worded by `glue.js` from numbers and codes. The full package
//! (`greenside`, with the tracker) re-exports this crate.

mod read;

use greenside_core::accuracy::AccuracyKind;
use greenside_core::aim::Units;
use greenside_core::classify::{PreparedHole, Surface};
use greenside_core::course::CourseError;
use greenside_core::geometry::{LatLon, LocalXY};
use greenside_core::rules::Rules;
use greenside_core::validate;
use greenside_core::yardage::{GreenDistances, Hazard, Side, Target};
use std::rc::Rc;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/glue.js")]
extern "C" {
    fn names(surfaces: &str, kinds: &str, targets: &str, sides: &str);
    #[wasm_bindgen(js_name = surfaceList)]
    fn surface_list() -> JsValue;
    #[wasm_bindgen(js_name = parseCourse)]
    fn parse_course(v: &JsValue) -> JsValue;
    fn ring(v: &JsValue) -> Option<Vec<f64>>;
    fn num(o: &JsValue, key: u32) -> Option<f64>;
    #[wasm_bindgen(js_name = position)]
    fn read_position(o: &JsValue, out: &mut [f64]) -> u32;
    #[wasm_bindgen(js_name = isObject)]
    fn is_object(o: &JsValue) -> bool;
    #[wasm_bindgen(js_name = latLon)]
    fn lat_lon(lat: f64, lon: f64) -> JsValue;
    fn xy(x: f64, y: f64) -> JsValue;
    #[allow(clippy::too_many_arguments)]
    fn classification(
        surface: u32,
        on_green: bool,
        confidence: f64,
        distance: f64,
        accuracy_m: f64,
        kind: u32,
        x: f64,
        y: f64,
    ) -> JsValue;
    fn put(out: &JsValue, surface: u32, on_green: f64, confidence: f64, distance: f64) -> bool;
    fn batch(surface: Vec<u8>, on_green: Vec<u8>, confidence: Vec<f64>, distance: Vec<f64>) -> JsValue;
    fn yardages(green: Vec<f64>, hazards: Vec<f64>, aim: Vec<f64>, layups: Vec<f64>) -> JsValue;
    fn measured(course_id: &str, hole_id: u32, numbers: Vec<f64>, hazards: Vec<f64>) -> JsValue;
    #[wasm_bindgen(js_name = aimOf)]
    fn aim_of(o: &JsValue) -> f64;
    fn located(course_id: &str, candidates: Vec<f64>) -> JsValue;
    #[allow(clippy::too_many_arguments)]
    fn frame(
        lat: f64,
        lon: f64,
        rotation_deg: f64,
        kind: &str,
        datum: &str,
        projection: &str,
        convention: &str,
        axes: &str,
        units: &str,
    ) -> JsValue;
    fn fail(code: &str, why: &str, field: &str, a: &JsValue, b: &JsValue) -> JsValue;
}

/// The glue module, for [`read`].
pub(crate) mod glue {
    pub(crate) use super::{is_object, parse_course, ring};
}

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &str = r#"
/** Detailed surface under a position. */
export type Surface = "GREEN" | "FRINGE" | "FAIRWAY" | "BUNKER" | "WATER" | "TEE" | "ROUGH" | "OUT_OF_HOLE" | "OUT_OF_BOUNDS";
/** What accuracyM means: the 95 % radius (browsers, the default) or the 68 % radius (Android). */
export type AccuracyKind = "p95" | "p68";
export interface LatLon { lat: number; lon: number; }
/** A position to classify: what a map gives, with the fix's accuracy radius when known (metres). Other fields are ignored. */
export interface Position { lat: number; lon: number; accuracyM?: number; accuracyKind?: AccuracyKind; }
/** Metres in a local frame: x east, y north (or along a rotated frame's axes). */
export interface LocalXY { x: number; y: number; }
export interface Classification {
  surface: Surface;
  onGreen: boolean;
  /** Probability that the true position is on the chosen side of the green's edge. */
  confidence: number;
  /** Signed metres to the green's edge: positive inside, negative outside. */
  distanceToGreenEdgeM: number;
  accuracyM: number;
  accuracyKind: AccuracyKind;
  /** The position in the hole's frame (x east, y north, origin at the green's centroid). */
  local: LocalXY;
}
/** Metres along the line of play (ball → cup, or the green's centre): docs/golfer.md. */
export interface GreenDistances {
  target: "CUP" | "GREEN_CENTRE";
  /** Where the line first enters the green; 0 on the green; null when the line misses the green. */
  frontM: number | null;
  middleM: number;
  /** Where the line last leaves the green; null when it misses the green. */
  backM: number | null;
  frontWgs84: LatLon | null;
  backWgs84: LatLon | null;
}
export interface Hazard {
  surface: "BUNKER" | "WATER";
  /** Its position in the hole's bunkers or water list of the course file. */
  index: number;
  reachM: number;
  carryM: number;
  side: "LEFT" | "RIGHT" | "ON_LINE";
}
/** An aim point of the hole ahead of the ball (a dogleg corner, a landing spot: the inner positions of the hole's line), numbered from the tee. */
export interface AimPoint {
  number: number;
  wgs84: LatLon;
  /** Metres from the ball. */
  distanceM: number;
  /** Front / middle / back of the green from the aim point: what the golfer leaves. */
  greenDistances: GreenDistances;
  /** Bunkers and water within 20 m of the leg from the ball to the aim point. */
  hazards: Hazard[];
}
/** A layup mark ahead of the ball: the point of the hole's line 100, 150 or 200 units from the middle of the green. */
export interface Layup { mark: 100 | 150 | 200; wgs84: LatLon; distanceM: number; }
/** The units layup marks are placed in; every distance stays in metres. */
export type Units = "METRES" | "YARDS";
/** The golfer's numbers from a position: front / middle / back of the green, the hazards on the way (within 20 m of the line), and from the hole's line the aim points and layup marks ahead. */
export interface Yardages { greenDistances: GreenDistances | null; hazards: Hazard[]; aimPoints: AimPoint[]; layups: Layup[]; }
/** `measure`'s answer: from `from` to `to` (docs/golfer.md). */
export interface Measured {
  courseId: string;
  holeId: number;
  fromWgs84: LatLon;
  toWgs84: LatLon;
  distanceM: number;
  /** The surface at `to` on this hole: where a ball there would lie. */
  surface: Surface;
  /** Front / middle / back of the green from `to`, towards the green's centre. */
  greenDistances: GreenDistances;
  /** Bunkers and water within 20 m of the line from `from` to `to`, nearest first. */
  hazards: Hazard[];
}
export interface HoleCandidate { holeId: number; surface: Surface; probability: number; }
/** `locate`'s answer: the most likely hole for a position (or a few). */
export interface Located { courseId: string; holeId: number; surface: Surface; confidence: number; candidates: HoleCandidate[]; }
/** `classifyMany`'s answer: one entry per position; `surface` indexes `surfaceNames()`. */
export interface BatchClassification {
  surface: Uint8Array;
  onGreen: Uint8Array;
  confidence: Float64Array;
  distanceToGreenEdgeM: Float64Array;
}
export interface FrameDescription {
  kind: string; datum: string; projection: string; origin_wgs84: LatLon;
  rotation_deg: number; rotation_convention: string; axes: string; units: string;
}
/** Thrown by every function of this package: the HTTP API's stable code; details.field is the exact path (`fix.lat`, `positions[3].lon`). */
export interface GreensideError extends Error { name: "GreensideError"; code: string; details: Record<string, unknown>; }
"#;

fn csv<T: Copy>(all: &[T], name: impl Fn(T) -> &'static str) -> String {
    all.iter().map(|x| name(*x)).collect::<Vec<_>>().join(",")
}

/// Hands core's enum names to the glue, once.
fn name_enums() {
    names(
        &csv(&Surface::ALL, Surface::as_str),
        &csv(&AccuracyKind::ALL, AccuracyKind::as_str),
        &csv(&Target::ALL, Target::as_str),
        &csv(&Side::ALL, Side::as_str),
    );
}

/// Green distances as the glue reads them: target, front, middle, back,
/// then the front and back points (NaN for none).
fn green_numbers(g: &GreenDistances) -> [f64; 8] {
    let (fl, fo) = g.front_wgs84.map_or((f64::NAN, f64::NAN), |q| (q.lat, q.lon));
    let (bl, bo) = g.back_wgs84.map_or((f64::NAN, f64::NAN), |q| (q.lat, q.lon));
    [g.target.index() as f64, g.front_m.unwrap_or(f64::NAN), g.middle_m, g.back_m.unwrap_or(f64::NAN), fl, fo, bl, bo]
}

/// Hazards as the glue reads them: surface, index, reach, carry, side each.
fn hazard_numbers(hs: &[Hazard]) -> Vec<f64> {
    hs.iter()
        .flat_map(|h| [h.surface.index() as f64, f64::from(h.index), h.reach_m, h.carry_m, h.side.index() as f64])
        .collect()
}

fn error(code: &str, why: &str, field: &str) -> JsValue {
    fail(code, why, field, &JsValue::UNDEFINED, &JsValue::UNDEFINED)
}

fn course_error(e: &CourseError) -> JsValue {
    fail("course_data_unavailable", "course", "", &e.to_string().into(), &e.code().into())
}

/// A position read from `{lat, lon, accuracyM?, accuracyKind?}`; `field`
/// names it in errors (`fix`, `positions[3]`).
fn position(v: &JsValue, field: &dyn Fn() -> String) -> Result<(LatLon, Option<f64>, Option<AccuracyKind>), JsValue> {
    // One call across the boundary: the glue writes the numbers here.
    let mut n = [0.0; 3];
    let bits = read_position(v, &mut n);
    if bits == 0 {
        return Err(error("invalid_request", "object", &field()));
    }
    if bits & 3 != 3 {
        let axis = if bits & 1 == 0 { "lat" } else { "lon" };
        return Err(error("invalid_request", "required", &format!("{}.{axis}", field())));
    }
    let p = LatLon::new(n[0], n[1]);
    check(p, field)?;
    let accuracy = (bits & 4 != 0).then_some(n[2]);
    if let Some(a) = accuracy {
        check_accuracy(a, &|| format!("{}.accuracyM", field()))?;
    }
    let kind = match bits >> 8 {
        0 => None,
        k => Some(
            AccuracyKind::ALL
                .get(k as usize - 1)
                .copied()
                .ok_or_else(|| error("invalid_request", "accuracyKind", &format!("{}.accuracyKind", field())))?,
        ),
    };
    Ok((p, accuracy, kind))
}

/// Core's range check; the error names `field.lat` (or `lat` when `field` is empty).
fn check(p: LatLon, field: &dyn Fn() -> String) -> Result<(), JsValue> {
    validate::check_lat_lon(p).map_err(|axis| {
        let at = field();
        let path = if at.is_empty() { axis.as_str().into() } else { format!("{at}.{}", axis.as_str()) };
        fail("invalid_coordinates", "range", &path, &axis.range().into(), &JsValue::UNDEFINED)
    })
}

fn check_accuracy(a: f64, field: &dyn Fn() -> String) -> Result<(), JsValue> {
    if validate::accuracy_ok(a) {
        Ok(())
    } else {
        Err(fail("invalid_accuracy", "accuracy", &field(), &validate::MAX_ACCURACY_TEXT.into(), &JsValue::UNDEFINED))
    }
}

/// A course, read and checked; each hole indexed on first use: what the
/// full package's tracker shares with this entry's [`Course`].
///
/// Indexing is most of a course's load (97 ms of Augusta's 103 natively,
/// 5.4 ms a hole: the edge tree and the two grids), and a page shows one
/// hole at a time, so a hole is prepared when it is first classified, not
/// all eighteen while the page starts.
#[derive(Debug)]
pub struct Loaded {
    pub course_id: String,
    pub name: String,
    pub attribution: Option<String>,
    course: greenside_core::course::Course,
    /// `(hole id, its index in the course file, prepared on first use)`,
    /// ascending by hole id (a course has at most 99: no map needed).
    holes: Vec<(u32, usize, LazyHole)>,
}

/// A hole's index, made on first use (or why core could not make it).
type LazyHole = std::cell::OnceCell<Result<PreparedHole, CourseError>>;

impl Loaded {
    /// The hole, prepared (once); `None` for a hole the course does not
    /// have (see [`hole_not_found`]), `Some(Err)` for one core could not
    /// index (a course that passed core's checks never gives it).
    pub fn hole(&self, hole_id: u32) -> Option<Result<&PreparedHole, &CourseError>> {
        let (_, i, cell) = self.holes.iter().find(|h| h.0 == hole_id)?;
        Some(cell.get_or_init(|| PreparedHole::new(&self.course_id, &self.course.holes[*i])).as_ref())
    }

    /// The course file as core read it (a round plays its holes in order).
    pub fn course(&self) -> &greenside_core::course::Course {
        &self.course
    }

    /// The hole ids, ascending.
    pub fn hole_ids(&self) -> impl Iterator<Item = u32> + '_ {
        self.holes.iter().map(|h| h.0)
    }
}

/// The `hole_not_found` error of this course.
pub fn hole_not_found(course_id: &str, hole_id: u32) -> JsValue {
    fail("hole_not_found", "hole", "holeId", &hole_id.into(), &course_id.into())
}

/// A course file, read, validated and indexed once.
#[wasm_bindgen]
#[derive(Debug)]
pub struct Course {
    inner: Rc<Loaded>,
}

impl Course {
    /// The loaded course, shared (the full package's `HoleTracker` keeps it).
    pub fn shared(&self) -> Rc<Loaded> {
        self.inner.clone()
    }

    fn hole(&self, hole_id: u32) -> Result<&PreparedHole, JsValue> {
        match self.inner.hole(hole_id) {
            Some(h) => h.map_err(course_error),
            None => Err(hole_not_found(&self.inner.course_id, hole_id)),
        }
    }
}

#[wasm_bindgen]
impl Course {
    /// Reads a course file (manifest contract 0.1.0): its JSON text, or the
    /// object `JSON.parse` made of it. Throws `GreensideError`
    /// (`course_data_unavailable`, `details.reason` = the course data code).
    #[wasm_bindgen(js_name = fromJson)]
    pub fn from_json(
        #[wasm_bindgen(unchecked_param_type = "string | object")] course: &JsValue,
    ) -> Result<Course, JsValue> {
        name_enums();
        let c = read::course(course).map_err(|e| course_error(&e))?;
        let mut holes: Vec<_> = c.holes.iter().enumerate().map(|(i, h)| (h.hole_id, i, LazyHole::new())).collect();
        greenside_core::geometry::insertion_sort_by(&mut holes, |a, b| a.0 < b.0);
        Ok(Course {
            inner: Rc::new(Loaded {
                holes,
                course_id: c.course_id.clone(),
                name: c.name.clone(),
                attribution: c.attribution.clone(),
                course: c,
            }),
        })
    }

    #[wasm_bindgen(getter, js_name = courseId)]
    pub fn course_id(&self) -> String {
        self.inner.course_id.clone()
    }

    #[wasm_bindgen(getter)]
    pub fn name(&self) -> String {
        self.inner.name.clone()
    }

    #[wasm_bindgen(getter)]
    pub fn attribution(&self) -> Option<String> {
        self.inner.attribution.clone()
    }

    /// The course's hole ids, ascending.
    #[wasm_bindgen(js_name = holeIds, unchecked_return_type = "number[]")]
    pub fn hole_ids(&self) -> js_sys::Array {
        self.inner.hole_ids().map(JsValue::from).collect()
    }

    /// Where one position lies on a hole: surface, on the green or not, the
    /// confidence and the signed distance to the green's edge (no
    /// hysteresis: see the full package's `HoleTracker`; the golfer's
    /// numbers: `yardages`).
    #[wasm_bindgen(unchecked_return_type = "Classification")]
    pub fn classify(
        &self,
        #[wasm_bindgen(js_name = holeId)] hole_id: u32,
        #[wasm_bindgen(unchecked_param_type = "Position")] fix: &JsValue,
    ) -> Result<JsValue, JsValue> {
        let (p, accuracy, kind) = self::position(fix, &|| "fix".into())?;
        let c = self.hole(hole_id)?.classify(p, accuracy, kind, &Rules::default());
        #[allow(clippy::cast_possible_truncation)]
        Ok(classification(
            c.surface.index() as u32,
            c.on_green,
            c.surface_confidence,
            c.distance_to_green_edge_m,
            c.accuracy_m,
            c.accuracy_kind.index() as u32,
            c.local.x,
            c.local.y,
        ))
    }

    /// The fast form of `classify` for one position: numbers in, numbers
    /// out, no object built. Writes `surface` (an index into
    /// `surfaceNames()`), `onGreen` (1 or 0), `confidence` and
    /// `distanceToGreenEdgeM` into `out[0..4]`.
    #[wasm_bindgen(js_name = classifyInto)]
    pub fn classify_into(
        &self,
        #[wasm_bindgen(js_name = holeId)] hole_id: u32,
        lat: f64,
        lon: f64,
        #[wasm_bindgen(js_name = accuracyM)] accuracy_m: Option<f64>,
        #[wasm_bindgen(unchecked_param_type = "Float64Array")] out: &JsValue,
    ) -> Result<(), JsValue> {
        let p = LatLon::new(lat, lon);
        check(p, &String::new)?;
        if let Some(a) = accuracy_m {
            check_accuracy(a, &|| "accuracyM".into())?;
        }
        let c = self.hole(hole_id)?.classify(p, accuracy_m, None, &Rules::default());
        #[allow(clippy::cast_possible_truncation)]
        if put(
            out,
            c.surface.index() as u32,
            f64::from(u8::from(c.on_green)),
            c.surface_confidence,
            c.distance_to_green_edge_m,
        ) {
            Ok(())
        } else {
            Err(error("invalid_request", "out", "out"))
        }
    }

    /// Classifies many positions in one call: `positions` holds `lat, lon`
    /// pairs (a `Float64Array` of length 2n), all with accuracy `accuracyM`
    /// (or the default). Answers typed arrays of length n; `surface`
    /// indexes `surfaceNames()`.
    #[wasm_bindgen(js_name = classifyMany, unchecked_return_type = "BatchClassification")]
    pub fn classify_many(
        &self,
        #[wasm_bindgen(js_name = holeId)] hole_id: u32,
        positions: &[f64],
        #[wasm_bindgen(js_name = accuracyM)] accuracy_m: Option<f64>,
    ) -> Result<JsValue, JsValue> {
        if positions.len() % 2 != 0 {
            return Err(error("invalid_request", "pairs", "positions"));
        }
        if let Some(a) = accuracy_m {
            check_accuracy(a, &|| "accuracyM".into())?;
        }
        let hole = self.hole(hole_id)?;
        let rules = Rules::default();
        let n = positions.len() / 2;
        let (mut surface, mut on_green) = (Vec::with_capacity(n), Vec::with_capacity(n));
        let (mut confidence, mut distance) = (Vec::with_capacity(n), Vec::with_capacity(n));
        for (i, p) in positions.chunks_exact(2).enumerate() {
            let ll = LatLon::new(p[0], p[1]);
            // The element's path is spelled out only for the error.
            check(ll, &|| format!("positions[{i}]"))?;
            let c = hole.classify(ll, accuracy_m, None, &rules);
            #[allow(clippy::cast_possible_truncation)]
            surface.push(c.surface.index() as u8);
            on_green.push(u8::from(c.on_green));
            confidence.push(c.surface_confidence);
            distance.push(c.distance_to_green_edge_m);
        }
        Ok(batch(surface, on_green, confidence, distance))
    }

    /// The golfer's numbers from `position`: front, middle and back of the
    /// green along the line to `cup` (or, without one, the hole's default
    /// cup, else the green's centre), the bunkers and water within 20 m of
    /// that line, nearest first, and from the hole's line the aim points
    /// and the layup marks (in `units`, `METRES` by default) ahead
    /// (docs/golfer.md).
    #[wasm_bindgen(unchecked_return_type = "Yardages")]
    pub fn yardages(
        &self,
        #[wasm_bindgen(js_name = holeId)] hole_id: u32,
        #[wasm_bindgen(unchecked_param_type = "LatLon")] position: &JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "LatLon")] cup: &JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "Units")] units: &JsValue,
    ) -> Result<JsValue, JsValue> {
        let (p, _, _) = self::position(position, &|| "position".into())?;
        let cup =
            if cup.is_undefined() || cup.is_null() { None } else { Some(self::position(cup, &|| "cup".into())?.0) };
        let units = if units.is_undefined() || units.is_null() {
            Units::default()
        } else {
            units
                .as_string()
                .as_deref()
                .and_then(Units::from_wire)
                .ok_or_else(|| error("invalid_request", "units", "units"))?
        };
        let hole = self.hole(hole_id)?;
        let (y, ahead) = hole.view(p, cup.or(hole.default_cup), Rules::default().hazard_corridor_m, units);
        let green = y.green.map_or_else(Vec::new, |g| green_numbers(&g).to_vec());
        let mut aim = Vec::new();
        for a in &ahead.aim_points {
            aim.extend([f64::from(a.number), a.wgs84.lat, a.wgs84.lon, a.distance_m]);
            aim.extend(green_numbers(&a.green_distances));
            aim.push(a.hazards.len() as f64);
            aim.extend(hazard_numbers(&a.hazards));
        }
        let layups =
            ahead.layups.iter().flat_map(|l| [f64::from(l.mark), l.wgs84.lat, l.wgs84.lon, l.distance_m]).collect();
        Ok(yardages(green, hazard_numbers(&y.hazards), aim, layups))
    }

    /// Measures from `from` (the ball) to `to` (a tap on the map, or
    /// `{aim: N}`, the hole's N-th aim point): the distance, the surface at
    /// `to`, front / middle / back from `to`, and the hazards between
    /// (docs/golfer.md). Throws `not_on_course`, `points_equal`,
    /// `hole_without_line` as the HTTP route answers.
    #[wasm_bindgen(unchecked_return_type = "Measured")]
    pub fn measure(
        &self,
        #[wasm_bindgen(js_name = holeId)] hole_id: u32,
        #[wasm_bindgen(unchecked_param_type = "LatLon")] from: &JsValue,
        #[wasm_bindgen(unchecked_param_type = "LatLon | { aim: number }")] to: &JsValue,
    ) -> Result<JsValue, JsValue> {
        use greenside_core::measure::{MeasureError, To};
        let (from_p, _, _) = self::position(from, &|| "from".into())?;
        let aim = aim_of(to);
        let target = if aim.is_nan() {
            To::Point(self::position(to, &|| "to".into())?.0)
        } else if aim >= 1.0 && aim <= f64::from(u32::MAX) && aim == libm::trunc(aim) {
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            To::Aim(aim as u32)
        } else {
            return Err(error("invalid_request", "aim", "to.aim"));
        };
        let hole = self.hole(hole_id)?;
        let rules = Rules::default();
        // Other holes are prepared only when this one says OUT_OF_HOLE.
        let elsewhere = |p: LatLon| {
            self.inner
                .hole_ids()
                .filter(|&id| id != hole_id)
                .any(|id| matches!(self.inner.hole(id), Some(Ok(h)) if greenside_core::measure::on_hole(h, p, &rules)))
        };
        let m = greenside_core::measure::compute(hole, from_p, target, &rules, elsewhere).map_err(|e| {
            let id = self.inner.course_id.as_str();
            match e {
                MeasureError::OffCourse { to } => fail(
                    "not_on_course",
                    "notOnCourse",
                    if to { "to" } else { "from" },
                    &id.into(),
                    &JsValue::UNDEFINED,
                ),
                MeasureError::PointsEqual => error("points_equal", "pointsEqual", "to"),
                MeasureError::HoleWithoutLine => {
                    fail("hole_without_line", "noLine", "to", &hole_id.into(), &JsValue::UNDEFINED)
                }
                // The HTTP route's code, as every platform answers it.
                MeasureError::NoSuchAim { count } => {
                    fail(e.code().as_str(), "noAim", "to", &hole_id.into(), &count.into())
                }
            }
        })?;
        let mut numbers = vec![m.distance_m, m.surface.index() as f64, m.from.lat, m.from.lon, m.to.lat, m.to.lon];
        numbers.extend(green_numbers(&m.green));
        Ok(measured(&self.inner.course_id, hole_id, numbers, hazard_numbers(&m.hazards)))
    }

    /// Which hole of this course a position (or a few positions of one
    /// ball) is on: the most likely hole, its surface, a confidence and the
    /// candidates (docs/golfer.md). Throws `not_on_course` far from every hole.
    #[wasm_bindgen(unchecked_return_type = "Located")]
    pub fn locate(
        &self,
        #[wasm_bindgen(unchecked_param_type = "LatLon | LatLon[]")] positions: &JsValue,
    ) -> Result<JsValue, JsValue> {
        let fixes: Vec<LatLon> = if js_sys::Array::is_array(positions) {
            let list = js_sys::Array::from(positions);
            let max = greenside_core::locate::MAX_LOCATE_FIXES;
            if list.length() == 0 || list.length() as usize > max {
                return Err(fail("invalid_request", "count", "positions", &(max as u32).into(), &JsValue::UNDEFINED));
            }
            list.iter()
                .enumerate()
                .map(|(i, v)| self::position(&v, &|| format!("positions[{i}]")).map(|p| p.0))
                .collect::<Result<_, _>>()?
        } else {
            vec![self::position(positions, &|| "position".into())?.0]
        };
        let holes: Vec<&PreparedHole> = self.inner.hole_ids().map(|id| self.hole(id)).collect::<Result<_, _>>()?;
        let ranked = greenside_core::locate::rank(&holes, &fixes, &Rules::default());
        if ranked.is_empty() {
            return Err(fail(
                "not_on_course",
                "notOnCourse",
                "",
                &self.inner.course_id.as_str().into(),
                &JsValue::UNDEFINED,
            ));
        }
        let flat = ranked
            .iter()
            .take(greenside_core::locate::MAX_CANDIDATES)
            .flat_map(|c| [f64::from(c.hole_id), c.surface.index() as f64, c.probability])
            .collect();
        Ok(located(&self.inner.course_id, flat))
    }

    /// WGS84 → the hole's frame (x east, y north, metres, origin at the green's centroid).
    #[wasm_bindgen(js_name = toLocal, unchecked_return_type = "LocalXY")]
    pub fn to_local(
        &self,
        #[wasm_bindgen(js_name = holeId)] hole_id: u32,
        #[wasm_bindgen(unchecked_param_type = "LatLon")] position: &JsValue,
    ) -> Result<JsValue, JsValue> {
        let (p, _, _) = self::position(position, &|| "position".into())?;
        let l: LocalXY = self.hole(hole_id)?.frame().to_local(p);
        Ok(xy(l.x, l.y))
    }

    /// The hole's frame → WGS84.
    #[wasm_bindgen(js_name = toWgs84, unchecked_return_type = "LatLon")]
    pub fn to_wgs84(
        &self,
        #[wasm_bindgen(js_name = holeId)] hole_id: u32,
        #[wasm_bindgen(unchecked_param_type = "LocalXY")] local: &JsValue,
    ) -> Result<JsValue, JsValue> {
        let (Some(x), Some(y)) = (num(local, 3), num(local, 4)) else {
            return Err(error(
                "invalid_request",
                "required",
                if num(local, 3).is_none() { "local.x" } else { "local.y" },
            ));
        };
        if !(x.is_finite() && y.is_finite()) {
            return Err(error("invalid_request", "finite", if x.is_finite() { "local.y" } else { "local.x" }));
        }
        let p = self.hole(hole_id)?.frame().to_wgs84(LocalXY { x, y });
        Ok(lat_lon(p.lat, p.lon))
    }

    /// The green frame putt requests use (+y along the line of play), described.
    #[wasm_bindgen(js_name = greenFrame, unchecked_return_type = "FrameDescription")]
    pub fn green_frame(&self, #[wasm_bindgen(js_name = holeId)] hole_id: u32) -> Result<JsValue, JsValue> {
        let d = self.hole(hole_id)?.green_frame().describe();
        Ok(frame(
            d.origin_wgs84.lat,
            d.origin_wgs84.lon,
            d.rotation_deg,
            &d.kind,
            &d.datum,
            &d.projection,
            &d.rotation_convention,
            &d.axes,
            &d.units,
        ))
    }
}

/// Surface names, indexed as `classifyMany`'s `surface` array and `classifyInto`'s `out[0]`.
#[wasm_bindgen(js_name = surfaceNames, unchecked_return_type = "Surface[]")]
pub fn surface_names() -> JsValue {
    name_enums();
    surface_list()
}
