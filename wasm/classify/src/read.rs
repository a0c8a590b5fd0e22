//! A course file read from what `JSON.parse` made of it, into core's types,
//! without serde: the classification wasm carries no JSON parser. Every
//! problem is a [`CourseError`] naming where it is, as core's own parser
//! names it; core then checks the course (`Course::validate`).

use crate::glue;
use greenside_core::course::{Course, CourseError, Geometry, Hole, Line, PenaltyKind, Tee};
use greenside_core::geometry::LatLon;
use greenside_core::mask::RasterMask;
use js_sys::{Array, Reflect};
use wasm_bindgen::JsValue;

type Read<T> = Result<T, CourseError>;

/// A field of the wrong type or missing: what serde calls invalid JSON for
/// a course file (`course_json_invalid`), with where it is.
fn invalid(at: &str, reason: &str) -> CourseError {
    CourseError::Json(format!("{at}: {reason}"))
}

fn join(at: &str, key: &str) -> String {
    if at.is_empty() { key.into() } else { format!("{at}.{key}") }
}

fn get(o: &JsValue, key: &str) -> JsValue {
    Reflect::get(o, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn absent(v: &JsValue) -> bool {
    v.is_undefined() || v.is_null()
}

fn object(v: &JsValue, at: &str) -> Read<()> {
    let at = if at.is_empty() { "the course file" } else { at };
    if glue::is_object(v) && !Array::is_array(v) { Ok(()) } else { Err(invalid(at, "expected an object")) }
}

fn string(o: &JsValue, key: &str, at: &str) -> Read<String> {
    get(o, key).as_string().ok_or_else(|| invalid(&join(at, key), "expected a string"))
}

fn opt_string(o: &JsValue, key: &str, at: &str) -> Read<Option<String>> {
    let v = get(o, key);
    if absent(&v) {
        Ok(None)
    } else {
        v.as_string().map(Some).ok_or_else(|| invalid(&join(at, key), "expected a string"))
    }
}

fn whole(v: &JsValue, at: &str, max: u32) -> Read<u32> {
    match v.as_f64() {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        Some(f) if f >= 0.0 && f <= f64::from(max) && f == libm::trunc(f) => Ok(f as u32),
        _ => Err(invalid(at, "expected a whole number in range")),
    }
}

fn array(o: &JsValue, key: &str, at: &str) -> Read<Array> {
    let v = get(o, key);
    if absent(&v) {
        return Ok(Array::new());
    }
    if Array::is_array(&v) { Ok(Array::from(&v)) } else { Err(invalid(&join(at, key), "expected an array")) }
}

fn lat_lon(v: &JsValue, at: &str) -> Read<LatLon> {
    object(v, at)?;
    let n = |k: &str| get(v, k).as_f64().ok_or_else(|| invalid(&join(at, k), "expected a number"));
    Ok(LatLon::new(n("lat")?, n("lon")?))
}

/// A ring's positions as core's parser keeps them (`[lon, lat]`); a position
/// that is not two or three numbers is NaN here, and core's check names it.
fn rings(v: &JsValue, at: &str) -> Read<Vec<Vec<Vec<f64>>>> {
    if !Array::is_array(v) {
        return Err(invalid(at, "expected an array of rings"));
    }
    Array::from(v)
        .iter()
        .enumerate()
        .map(|(r, ring)| {
            let flat =
                glue::ring(&ring).ok_or_else(|| invalid(&format!("{at}[{r}]"), "expected an array of positions"))?;
            Ok(flat.chunks_exact(2).map(|p| vec![p[0], p[1]]).collect())
        })
        .collect()
}

fn geometry(v: &JsValue, at: &str) -> Read<Geometry> {
    object(v, at)?;
    let kind = get(v, "type").as_string().unwrap_or_default();
    let coords = get(v, "coordinates");
    let at_c = join(at, "coordinates");
    match kind.as_str() {
        "Polygon" => Ok(Geometry::Polygon(rings(&coords, &at_c)?)),
        "MultiPolygon" => {
            if !Array::is_array(&coords) {
                return Err(invalid(&at_c, "expected an array of polygons"));
            }
            let polys = Array::from(&coords)
                .iter()
                .enumerate()
                .map(|(i, p)| rings(&p, &format!("{at_c}[{i}]")))
                .collect::<Read<Vec<_>>>()?;
            Ok(Geometry::MultiPolygon(polys))
        }
        "Mask" => {
            object(&coords, &at_c)?;
            let b = get(&coords, "bounds");
            let bounds: Vec<f64> = if Array::is_array(&b) {
                Array::from(&b).iter().filter_map(|x| x.as_f64()).collect()
            } else {
                Vec::new()
            };
            let bounds: [f64; 4] =
                bounds.try_into().map_err(|_| invalid(&join(&at_c, "bounds"), "expected four numbers"))?;
            Ok(Geometry::Mask(RasterMask {
                bounds,
                width: whole(&get(&coords, "width"), &join(&at_c, "width"), u32::MAX)?,
                height: whole(&get(&coords, "height"), &join(&at_c, "height"), u32::MAX)?,
                rle: string(&coords, "rle", &at_c)?,
            }))
        }
        _ => Err(CourseError::UnsupportedGeometry { at: at.into() }),
    }
}

/// The hole's line (`{"type": "LineString", "coordinates": [[lon, lat], …]}`).
fn opt_line(o: &JsValue, at: &str) -> Read<Option<Line>> {
    let v = get(o, "line");
    if absent(&v) {
        return Ok(None);
    }
    let at = join(at, "line");
    object(&v, &at)?;
    if get(&v, "type").as_string().as_deref() != Some("LineString") {
        return Err(invalid(&join(&at, "type"), "expected \"LineString\""));
    }
    let flat = glue::ring(&get(&v, "coordinates"))
        .ok_or_else(|| invalid(&join(&at, "coordinates"), "expected an array of positions"))?;
    Ok(Some(Line::LineString(flat.chunks_exact(2).map(|p| vec![p[0], p[1]]).collect())))
}

/// An optional number (`null` or absent: none).
fn opt_number(o: &JsValue, key: &str, at: &str) -> Read<Option<f64>> {
    let v = get(o, key);
    if absent(&v) { Ok(None) } else { v.as_f64().map(Some).ok_or_else(|| invalid(&join(at, key), "expected a number")) }
}

/// `water_kinds`: the names of core's `PenaltyKind`.
fn water_kinds(o: &JsValue, at: &str) -> Read<Vec<PenaltyKind>> {
    let list = array(o, "water_kinds", at)?;
    let at = join(at, "water_kinds");
    list.iter()
        .enumerate()
        .map(|(i, v)| match v.as_string().as_deref() {
            Some("YELLOW") => Ok(PenaltyKind::Yellow),
            Some("RED") => Ok(PenaltyKind::Red),
            Some("WATER") => Ok(PenaltyKind::Water),
            _ => Err(invalid(&format!("{at}[{i}]"), "expected \"YELLOW\", \"RED\" or \"WATER\"")),
        })
        .collect()
}

fn opt_geometry(o: &JsValue, key: &str, at: &str) -> Read<Option<Geometry>> {
    let v = get(o, key);
    if absent(&v) { Ok(None) } else { geometry(&v, &join(at, key)).map(Some) }
}

fn geometries(o: &JsValue, key: &str, at: &str) -> Read<Vec<Geometry>> {
    let at = join(at, key);
    array(o, key, "")?.iter().enumerate().map(|(i, g)| geometry(&g, &format!("{at}[{i}]"))).collect()
}

fn hole(v: &JsValue, at: &str) -> Read<Hole> {
    object(v, at)?;
    let small = |k: &str| -> Read<u8> {
        #[allow(clippy::cast_possible_truncation)]
        whole(&get(v, k), &join(at, k), u32::from(u8::MAX)).map(|x| x as u8)
    };
    let handicap = if absent(&get(v, "handicap")) { None } else { Some(small("handicap")?) };
    let tees_at = join(at, "tees");
    let tees = array(v, "tees", at)?
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let at = format!("{tees_at}[{i}]");
            object(&t, &at)?;
            let par = get(&t, "par");
            Ok(Tee {
                name: opt_string(&t, "name", &at)?,
                position: lat_lon(&get(&t, "position"), &join(&at, "position"))?,
                #[allow(clippy::cast_possible_truncation)]
                par: if absent(&par) { None } else { Some(whole(&par, &join(&at, "par"), u32::from(u8::MAX))? as u8) },
                dist_m: opt_number(&t, "dist_m", &at)?,
            })
        })
        .collect::<Read<Vec<_>>>()?;
    let cup = get(v, "default_cup");
    Ok(Hole {
        hole_id: whole(&get(v, "hole_id"), &join(at, "hole_id"), u32::MAX)?,
        name: opt_string(v, "name", at)?,
        par: small("par")?,
        dist_m: opt_number(v, "dist_m", at)?,
        handicap,
        tees,
        default_cup: if absent(&cup) { None } else { Some(lat_lon(&cup, &join(at, "default_cup"))?) },
        green: opt_geometry(v, "green", at)?,
        fringe: opt_geometry(v, "fringe", at)?,
        fairways: geometries(v, "fairways", at)?,
        bunkers: geometries(v, "bunkers", at)?,
        water: geometries(v, "water", at)?,
        water_kinds: water_kinds(v, at)?,
        tee_boxes: geometries(v, "tee_boxes", at)?,
        rough: geometries(v, "rough", at)?,
        out_of_bounds: geometries(v, "out_of_bounds", at)?,
        boundary: opt_geometry(v, "boundary", at)?,
        line: opt_line(v, at)?,
    })
}

/// The course file `v` (JSON text or the object `JSON.parse` gives), read
/// and checked by core.
pub fn course(v: &JsValue) -> Read<Course> {
    let v = glue::parse_course(v);
    if let Some(syntax) = v.as_string() {
        return Err(CourseError::Json(syntax));
    }
    object(&v, "").map_err(|_| CourseError::Json("the course file must be a JSON object".into()))?;
    let illustrative = get(&v, "illustrative");
    let holes = array(&v, "holes", "")?;
    let course = Course {
        manifest_contract_version: string(&v, "manifest_contract_version", "")?,
        course_id: string(&v, "course_id", "")?,
        name: string(&v, "name", "")?,
        attribution: opt_string(&v, "attribution", "")?,
        license: opt_string(&v, "license", "")?,
        illustrative: if absent(&illustrative) {
            false
        } else {
            illustrative.as_bool().ok_or_else(|| invalid("illustrative", "expected true or false"))?
        },
        boundary: opt_geometry(&v, "boundary", "")?,
        holes: holes.iter().enumerate().map(|(i, h)| hole(&h, &format!("holes[{i}]"))).collect::<Read<Vec<_>>>()?,
    };
    course.validate()?;
    Ok(course)
}
