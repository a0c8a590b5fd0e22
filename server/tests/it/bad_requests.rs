//! A catalogue of bad requests, each answered with the expected status, code
//! and field in the one error shape; the server stays healthy afterwards.

#![allow(clippy::unwrap_used)]

use crate::common;

use common::{Platform, client};
use greenside_core::ErrorCode;
use greenside_testkit::check_error_shape;
use serde_json::Value;

struct Case {
    method: &'static str,
    path: String,
    content_type: Option<&'static str>,
    body: Vec<u8>,
    headers: Vec<(&'static str, &'static str)>,
    status: u16,
    code: &'static str,
    field: Option<&'static str>,
}

fn case(method: &'static str, path: &str, body: &str, status: u16, code: &'static str) -> Case {
    Case {
        method,
        path: path.to_string(),
        content_type: Some("application/json"),
        body: body.as_bytes().to_vec(),
        headers: Vec::new(),
        status,
        code,
        field: None,
    }
}

fn with_field(mut c: Case, f: &'static str) -> Case {
    c.field = Some(f);
    c
}

const START: &str = "/api/session/start";

fn measure(course: &str, hole: &str, query: &str) -> String {
    format!("/api/courses/{course}/holes/{hole}/measure?{query}")
}

/// A measure request (no body; a POST sends `{}`), answered `status` and `code`, naming `field`.
fn measure_case(
    method: &'static str,
    course: &str,
    hole: &str,
    query: &str,
    status: u16,
    code: &'static str,
    field: Option<&'static str>,
) -> Case {
    let body = if method == "POST" { "{}" } else { "" };
    Case { content_type: None, field, ..case(method, &measure(course, hole, query), body, status, code) }
}
const BALL: &str = "/api/session/set_ball_location";
const CUP: &str = "/api/session/set_cup_location";

fn ball_body(sid: &str, rest: &str) -> String {
    format!(r#"{{"contract_version":"0.5.0","session_id":"{sid}",{rest}}}"#)
}

fn catalogue(sid: &str, rid: &str) -> Vec<Case> {
    let ok_ball = r#""ball_wgs84":{"lat":40.26824,"lon":-111.65952}"#;
    let mut v = vec![
        // Transport and JSON.
        Case {
            content_type: None,
            ..case("POST", START, r#"{"contract_version":"0.5.0"}"#, 415, "unsupported_media_type")
        },
        Case { content_type: Some("text/plain"), ..case("POST", START, "{}", 415, "unsupported_media_type") },
        Case {
            content_type: Some("application/x-www-form-urlencoded"),
            ..case("POST", START, "a=1", 415, "unsupported_media_type")
        },
        case("POST", START, "{", 400, "malformed_json"),
        case("POST", START, "", 400, "malformed_json"),
        case("POST", START, "{\"contract_version\":\"0.5.0\",}", 400, "malformed_json"),
        Case { body: vec![0xff, 0xfe, b'{', b'}'], ..case("POST", START, "", 400, "malformed_json") },
        case("POST", START, &format!("{}{}", "[".repeat(5000), "]".repeat(5000)), 400, "malformed_json"),
        case("POST", START, "null", 400, "invalid_request"),
        case("POST", START, "[]", 400, "invalid_request"),
        case("POST", START, "\"start\"", 400, "invalid_request"),
        Case {
            body: format!(
                r#"{{"contract_version":"0.5.0","course_id":"riverside","hole_id":1,"pad":"{}"}}"#,
                "x".repeat(70_000)
            )
            .into_bytes(),
            ..case("POST", START, "", 413, "payload_too_large")
        },
        Case { body: vec![b' '; 300_000], ..case("POST", START, "", 413, "payload_too_large") },
        // Contract version.
        with_field(
            case("POST", START, r#"{"course_id":"riverside","hole_id":1}"#, 400, "unsupported_contract_version"),
            "contract_version",
        ),
        case(
            "POST",
            START,
            r#"{"contract_version":"0.4.0","course_id":"riverside","hole_id":1}"#,
            400,
            "unsupported_contract_version",
        ),
        case(
            "POST",
            START,
            r#"{"contract_version":"1.5.0","course_id":"riverside","hole_id":1}"#,
            400,
            "unsupported_contract_version",
        ),
        case(
            "POST",
            START,
            r#"{"contract_version":0.5,"course_id":"riverside","hole_id":1}"#,
            400,
            "unsupported_contract_version",
        ),
        case(
            "POST",
            START,
            r#"{"contract_version":"0.5","course_id":"riverside","hole_id":1}"#,
            400,
            "unsupported_contract_version",
        ),
        // Start fields.
        with_field(
            case("POST", START, r#"{"contract_version":"0.5.0","hole_id":1}"#, 400, "invalid_request"),
            "course_id",
        ),
        with_field(
            case("POST", START, r#"{"contract_version":"0.5.0","course_id":5,"hole_id":1}"#, 400, "invalid_request"),
            "course_id",
        ),
        with_field(
            case(
                "POST",
                START,
                r#"{"contract_version":"0.5.0","course_id":"Bad Id","hole_id":1}"#,
                400,
                "invalid_field",
            ),
            "course_id",
        ),
        case(
            "POST",
            START,
            r#"{"contract_version":"0.5.0","course_id":"nowhere","hole_id":1}"#,
            404,
            "course_not_found",
        ),
        with_field(
            case("POST", START, r#"{"contract_version":"0.5.0","course_id":"riverside"}"#, 400, "invalid_request"),
            "hole_id",
        ),
        with_field(
            case(
                "POST",
                START,
                r#"{"contract_version":"0.5.0","course_id":"riverside","hole_id":-1}"#,
                400,
                "invalid_request",
            ),
            "hole_id",
        ),
        with_field(
            case(
                "POST",
                START,
                r#"{"contract_version":"0.5.0","course_id":"riverside","hole_id":1.5}"#,
                400,
                "invalid_request",
            ),
            "hole_id",
        ),
        with_field(
            case(
                "POST",
                START,
                r#"{"contract_version":"0.5.0","course_id":"riverside","hole_id":0}"#,
                400,
                "invalid_field",
            ),
            "hole_id",
        ),
        with_field(
            case(
                "POST",
                START,
                r#"{"contract_version":"0.5.0","course_id":"riverside","hole_id":100}"#,
                400,
                "invalid_field",
            ),
            "hole_id",
        ),
        case(
            "POST",
            START,
            r#"{"contract_version":"0.5.0","course_id":"riverside","hole_id":7}"#,
            404,
            "hole_not_found",
        ),
        // Ball fixes.
        with_field(
            case("POST", BALL, &format!(r#"{{"contract_version":"0.5.0",{ok_ball}}}"#), 400, "invalid_request"),
            "session_id",
        ),
        with_field(
            case(
                "POST",
                BALL,
                &format!(r#"{{"contract_version":"0.5.0","session_id":123,{ok_ball}}}"#),
                400,
                "invalid_request",
            ),
            "session_id",
        ),
        with_field(case("POST", BALL, &ball_body("abc", ok_ball), 400, "invalid_session_id"), "session_id"),
        case("POST", BALL, &ball_body("gs_00000000000000000000000000000000", ok_ball), 404, "session_not_found"),
        with_field(case("POST", BALL, &ball_body(sid, r#""x":1"#), 400, "invalid_request"), "ball_wgs84"),
        with_field(
            case("POST", BALL, &ball_body(sid, r#""ball_wgs84":"40,-111""#), 400, "invalid_request"),
            "ball_wgs84",
        ),
        with_field(
            case("POST", BALL, &ball_body(sid, r#""ball_wgs84":{"lat":91,"lon":0}"#), 400, "invalid_coordinates"),
            "ball_wgs84.lat",
        ),
        with_field(
            case("POST", BALL, &ball_body(sid, r#""ball_wgs84":{"lat":-90.0001,"lon":0}"#), 400, "invalid_coordinates"),
            "ball_wgs84.lat",
        ),
        with_field(
            case("POST", BALL, &ball_body(sid, r#""ball_wgs84":{"lat":0,"lon":180.5}"#), 400, "invalid_coordinates"),
            "ball_wgs84.lon",
        ),
        with_field(
            case("POST", BALL, &ball_body(sid, r#""ball_wgs84":{"lat":"NaN","lon":0}"#), 400, "invalid_coordinates"),
            "ball_wgs84.lat",
        ),
        case("POST", BALL, &ball_body(sid, r#""ball_wgs84":{"lat":1e400,"lon":0}"#), 400, "malformed_json"),
        // A repeated key is refused: two readers of the body would read different values.
        case(
            "POST",
            BALL,
            &ball_body(sid, r#""ball_wgs84":{"lat":91,"lat":40.26824,"lon":-111.65952}"#),
            400,
            "duplicate_key",
        ),
        case(
            "POST",
            BALL,
            &ball_body(sid, r#""ball_wgs84":{"lat":95,"lon":0},"ball_wgs84":{"lat":40.26824,"lon":-111.65952}"#),
            400,
            "duplicate_key",
        ),
        case("POST", BALL, &ball_body(sid, &format!(r#"{ok_ball},"seq":1,"seq":2"#)), 400, "duplicate_key"),
        case(
            "POST",
            START,
            r#"{"contract_version":"0.5.0","course_id":"riverside","hole_id":1,"hole_id":2}"#,
            400,
            "duplicate_key",
        ),
        with_field(
            case("POST", BALL, &ball_body(sid, r#""ball_wgs84":{"lat":null,"lon":0}"#), 400, "invalid_request"),
            "ball_wgs84.lat",
        ),
        with_field(
            case("POST", BALL, &ball_body(sid, r#""ball_wgs84":{"lat":40.2}"#), 400, "invalid_request"),
            "ball_wgs84.lon",
        ),
        with_field(
            case("POST", BALL, &ball_body(sid, &format!(r#"{ok_ball},"accuracy_m":0"#)), 400, "invalid_accuracy"),
            "accuracy_m",
        ),
        with_field(
            case("POST", BALL, &ball_body(sid, &format!(r#"{ok_ball},"accuracy_m":-3"#)), 400, "invalid_accuracy"),
            "accuracy_m",
        ),
        with_field(
            case("POST", BALL, &ball_body(sid, &format!(r#"{ok_ball},"accuracy_m":5000"#)), 400, "invalid_accuracy"),
            "accuracy_m",
        ),
        with_field(
            case("POST", BALL, &ball_body(sid, &format!(r#"{ok_ball},"accuracy_m":"5""#)), 400, "invalid_request"),
            "accuracy_m",
        ),
        with_field(
            case("POST", BALL, &ball_body(sid, &format!(r#"{ok_ball},"accuracy_kind":"p50""#)), 400, "invalid_field"),
            "accuracy_kind",
        ),
        with_field(
            case("POST", BALL, &ball_body(sid, &format!(r#"{ok_ball},"seq":-1"#)), 400, "invalid_request"),
            "seq",
        ),
        with_field(
            case("POST", BALL, &ball_body(sid, &format!(r#"{ok_ball},"seq":1.5"#)), 400, "invalid_request"),
            "seq",
        ),
        with_field(
            case(
                "POST",
                BALL,
                &ball_body(sid, &format!(r#"{ok_ball},"client_time_ms":"now""#)),
                400,
                "invalid_request",
            ),
            "client_time_ms",
        ),
        // Cup.
        with_field(
            case("POST", CUP, &ball_body(sid, r#""cup_wgs84":{"lat":40.2,"lon":-200}"#), 400, "invalid_coordinates"),
            "cup_wgs84.lon",
        ),
        with_field(
            case("POST", CUP, &ball_body(sid, r#""cup":{"lat":40.2,"lon":-111}"#), 400, "invalid_request"),
            "cup_wgs84",
        ),
        // Paths and methods.
        Case { content_type: None, ..case("GET", "/api/session/not-an-id", "", 400, "invalid_session_id") },
        Case {
            content_type: None,
            ..case("GET", "/api/session/gs_00000000000000000000000000000000", "", 404, "session_not_found")
        },
        Case {
            content_type: None,
            ..case("DELETE", "/api/session/gs_00000000000000000000000000000000", "", 404, "session_not_found")
        },
        Case { content_type: None, ..case("GET", "/api/session/%FF%FE", "", 400, "invalid_request") },
        Case { content_type: None, ..case("GET", "/api/courses/%C0", "", 400, "invalid_request") },
        Case { content_type: None, ..case("GET", "/api/nothing", "", 404, "route_not_found") },
        Case { content_type: None, ..case("GET", "/app/missing.js", "", 404, "route_not_found") },
        Case { content_type: None, ..case("GET", "/pkg/missing.wasm", "", 404, "route_not_found") },
        case("PUT", START, "{}", 405, "method_not_allowed"),
        Case { content_type: None, ..case("GET", START, "", 405, "method_not_allowed") },
        case("POST", "/health", "{}", 405, "method_not_allowed"),
        // Courses.
        Case { content_type: None, ..case("GET", "/api/courses/Bad%20Id", "", 400, "invalid_field") },
        Case { content_type: None, ..case("GET", "/api/courses/nowhere", "", 404, "course_not_found") },
        // Which hole am I on?
        Case {
            content_type: None,
            ..case("GET", "/api/courses/nowhere/locate?lat=33.5&lon=-82", "", 404, "course_not_found")
        },
        Case {
            content_type: None,
            field: Some("lon"),
            ..case("GET", "/api/courses/riverside/locate?lat=40.268", "", 400, "invalid_query")
        },
        Case {
            content_type: None,
            field: Some("lat"),
            ..case("GET", "/api/courses/riverside/locate?lat=north&lon=-111.66", "", 400, "invalid_coordinates")
        },
        Case {
            content_type: None,
            field: Some("lon"),
            ..case("GET", "/api/courses/riverside/locate?lat=40.268&lon=-181", "", 400, "invalid_coordinates")
        },
        Case {
            content_type: None,
            ..case("GET", "/api/courses/riverside/locate?lat=40.268&lon=-111.5", "", 422, "not_on_course")
        },
        Case { content_type: None, ..case("POST", "/api/courses/riverside/locate", "{}", 405, "method_not_allowed") },
        // Measure any point (Augusta's 13th: tee 33.494032,-82.0235094; its corner 33.4961476,-82.0235263).
        measure_case("GET", "nowhere", "13", "from=33.494032,-82.0235094&to=aim:1", 404, "course_not_found", None),
        measure_case(
            "GET",
            "augusta_national",
            "0",
            "from=33.494032,-82.0235094&to=aim:1",
            400,
            "invalid_field",
            Some("hole_id"),
        ),
        measure_case(
            "GET",
            "augusta_national",
            "x",
            "from=33.494032,-82.0235094&to=aim:1",
            400,
            "invalid_field",
            Some("hole_id"),
        ),
        measure_case(
            "GET",
            "augusta_national",
            "19",
            "from=33.494032,-82.0235094&to=aim:1",
            404,
            "hole_not_found",
            Some("hole_id"),
        ),
        measure_case("GET", "augusta_national", "13", "to=aim:1", 400, "invalid_query", Some("from")),
        measure_case(
            "GET",
            "augusta_national",
            "13",
            "from=north,-82&to=aim:1",
            400,
            "invalid_coordinates",
            Some("from"),
        ),
        measure_case(
            "GET",
            "augusta_national",
            "13",
            "from=33.494032,-82.0235094&to=33.49",
            400,
            "invalid_coordinates",
            Some("to"),
        ),
        measure_case(
            "GET",
            "augusta_national",
            "13",
            "from=33.494032,-82.0235094&to=33.49,-182",
            400,
            "invalid_coordinates",
            Some("to"),
        ),
        measure_case("GET", "augusta_national", "13", "from=33.494032,-82.0235094", 400, "invalid_query", Some("to")),
        measure_case(
            "GET",
            "augusta_national",
            "13",
            "from=33.494032,-82.0235094&to=aim:0",
            400,
            "invalid_query",
            Some("to"),
        ),
        measure_case(
            "GET",
            "augusta_national",
            "13",
            "from=33.494032,-82.0235094&to=aim:3",
            404,
            "aim_point_not_found",
            Some("to"),
        ),
        measure_case("GET", "augusta_national", "13", "from=33.6,-82.1&to=aim:1", 422, "not_on_course", Some("from")),
        measure_case(
            "GET",
            "augusta_national",
            "13",
            "from=33.494032,-82.0235094&to=33.6,-82.1",
            422,
            "not_on_course",
            Some("to"),
        ),
        measure_case(
            "GET",
            "augusta_national",
            "13",
            "from=33.4961476,-82.0235263&to=33.4961476,-82.0235263",
            422,
            "points_equal",
            Some("to"),
        ),
        measure_case(
            "GET",
            "riverside",
            "1",
            "from=40.2652924,-111.6605346&to=aim:1",
            422,
            "hole_without_line",
            Some("to"),
        ),
        measure_case(
            "POST",
            "augusta_national",
            "13",
            "from=33.494032,-82.0235094&to=aim:1",
            405,
            "method_not_allowed",
            None,
        ),
        with_field(
            case(
                "POST",
                START,
                r#"{"contract_version":"0.5.0","course_id":"riverside","hole_id":1,"units":"FEET"}"#,
                400,
                "invalid_field",
            ),
            "units",
        ),
        // A method neither platform knows (workers-rs reads it as GET) and one it does not route.
        Case { content_type: None, ..case("QUERY", "/live", "", 405, "method_not_allowed") },
        Case { content_type: None, ..case("TRACE", "/api/courses", "", 405, "method_not_allowed") },
        // Admin.
        Case { content_type: None, ..case("GET", "/api/sessions", "", 403, "forbidden") },
        Case {
            content_type: None,
            headers: vec![("x-admin-token", "wrong")],
            ..case("GET", "/api/sessions", "", 403, "forbidden")
        },
        Case {
            content_type: None,
            headers: vec![("x-admin-token", "adm1n")],
            ..case("GET", "/api/sessions?limit=0", "", 400, "invalid_query")
        },
        Case {
            content_type: None,
            headers: vec![("x-admin-token", "adm1n")],
            ..case("GET", "/api/sessions?limit=201", "", 400, "invalid_query")
        },
        Case {
            content_type: None,
            headers: vec![("x-admin-token", "adm1n")],
            ..case("GET", "/api/sessions?cursor=zzz", "", 400, "invalid_query")
        },
        // A cursor outside the documented pattern (what from_str_radix alone would take).
        Case {
            content_type: None,
            headers: vec![("x-admin-token", "adm1n")],
            field: Some("cursor"),
            ..case("GET", "/api/sessions?cursor=c%2B1", "", 400, "invalid_query")
        },
        Case {
            content_type: None,
            headers: vec![("x-admin-token", "adm1n")],
            field: Some("cursor"),
            ..case("GET", "/runs/v1?cursor=rA.run_0123456789abcdef0123456789abcdef", "", 400, "invalid_query")
        },
    ];
    v.extend(round_cases(rid));
    v.retain(|c| !c.code.is_empty());
    v
}

/// The round routes' bad requests (`rid` a round on riverside, at its first hole).
fn round_cases(rid: &str) -> Vec<Case> {
    const RSTART: &str = "/api/round/start";
    const RBALL: &str = "/api/round/set_ball_location";
    const RSCORE: &str = "/api/round/set_score";
    const RNEXT: &str = "/api/round/next_hole";
    let cv = r#""contract_version":"0.5.0""#;
    let start = |extra: &str| format!(r#"{{{cv},"course_id":"riverside"{extra}}}"#);
    let on = |extra: &str| format!(r#"{{{cv},"round_id":"{rid}"{extra}}}"#);
    let get = |path: String, status: u16, code: &'static str| Case {
        content_type: None,
        ..case("GET", &path, "", status, code)
    };
    let unknown = "gr_00000000000000000000000000000000";
    let many = format!(r#","fixes":[{}]"#, vec![r#"{"ball_wgs84":{"lat":40.26824,"lon":-111.65952}}"#; 501].join(","));
    vec![
        with_field(case("POST", RSTART, &format!("{{{cv}}}"), 400, "invalid_request"), "course_id"),
        case("POST", RSTART, &format!(r#"{{{cv},"course_id":"nowhere"}}"#), 404, "course_not_found"),
        with_field(case("POST", RSTART, &start(r#","start_hole_id":0"#), 400, "invalid_field"), "start_hole_id"),
        with_field(case("POST", RSTART, &start(r#","start_hole_id":9"#), 404, "hole_not_found"), "start_hole_id"),
        with_field(case("POST", RSTART, &start(r#","tee":"""#), 400, "invalid_field"), "tee"),
        with_field(case("POST", RSTART, &start(r#","tee":"gold""#), 404, "tee_set_not_found"), "tee"),
        with_field(case("POST", RSTART, &start(r#","competition":"yes""#), 400, "invalid_request"), "competition"),
        with_field(case("POST", RSTART, &start(r#","units":"FEET""#), 400, "invalid_field"), "units"),
        with_field(
            case(
                "POST",
                RBALL,
                &format!(r#"{{{cv},"round_id":"gs_x","ball_wgs84":{{"lat":1,"lon":1}}}}"#),
                400,
                "invalid_round_id",
            ),
            "round_id",
        ),
        case(
            "POST",
            RBALL,
            &format!(r#"{{{cv},"round_id":"{unknown}","ball_wgs84":{{"lat":1,"lon":1}}}}"#),
            404,
            "round_not_found",
        ),
        with_field(
            case("POST", RBALL, &on(r#","ball_wgs84":{"lat":91,"lon":1}"#), 400, "invalid_coordinates"),
            "ball_wgs84.lat",
        ),
        with_field(case("POST", RBALL, &on(r#","fixes":[]"#), 400, "invalid_field"), "fixes"),
        with_field(case("POST", RBALL, &on(&many), 422, "unprocessable_request"), "fixes"),
        with_field(
            case(
                "POST",
                RBALL,
                &on(r#","fixes":[{"ball_wgs84":{"lat":1,"lon":1},"accuracy_m":-1}]"#),
                400,
                "invalid_accuracy",
            ),
            "fixes[0].accuracy_m",
        ),
        with_field(case("POST", RSCORE, &on(r#","hole_id":1,"strokes":21"#), 400, "invalid_field"), "strokes"),
        with_field(case("POST", RSCORE, &on(r#","hole_id":1,"strokes":-1"#), 400, "invalid_request"), "strokes"),
        with_field(case("POST", RSCORE, &on(r#","hole_id":2,"strokes":3"#), 409, "hole_not_reached"), "hole_id"),
        with_field(case("POST", RSCORE, &on(r#","hole_id":50,"strokes":3"#), 404, "hole_not_found"), "hole_id"),
        with_field(case("POST", RSCORE, &on(r#","hole_id":1,"clear":["score"]"#), 400, "invalid_field"), "clear[0]"),
        with_field(case("POST", RSCORE, &on(r#","strokes":3"#), 400, "invalid_request"), "hole_id"),
        with_field(case("POST", RNEXT, &on(r#","hole_id":0"#), 400, "invalid_field"), "hole_id"),
        with_field(case("POST", RNEXT, &on(r#","hole_id":50"#), 404, "hole_not_found"), "hole_id"),
        get("/api/round/xyz".into(), 400, "invalid_round_id"),
        get(format!("/api/round/{unknown}"), 404, "round_not_found"),
        get(format!("/api/round/{unknown}/export.gpx"), 404, "round_not_found"),
        get("/api/round/gr_1/scorecard.csv".into(), 400, "invalid_round_id"),
        Case { content_type: None, ..case("DELETE", "/api/round/gr_1", "", 400, "invalid_round_id") },
        Case {
            content_type: None,
            ..case("POST", &format!("/api/round/{rid}/export.gpx"), "", 405, "method_not_allowed")
        },
        get("/api/rounds?limit=0".into(), 400, "invalid_query"),
        Case { field: Some("cursor"), ..get("/api/rounds?cursor=zzz".into(), 400, "invalid_query") },
        with_field(
            case(
                "POST",
                "/api/get_hole_advice",
                &on(r#","session_id":"gs_00000000000000000000000000000000""#),
                400,
                "invalid_request",
            ),
            "round_id",
        ),
        case("POST", "/api/get_hole_advice", &format!(r#"{{{cv},"round_id":"{unknown}"}}"#), 404, "round_not_found"),
    ]
}

#[tokio::test(flavor = "multi_thread")]
async fn every_bad_request_gets_its_code_and_the_server_stays_healthy() {
    catalogue_on(Platform::Native).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_worker_answers_the_same_catalogue_the_same_way() {
    catalogue_on(Platform::Worker).await;
}

/// How many cases the catalogue holds (raise it with every new case).
const CATALOGUE_SIZE: usize = 128;

async fn catalogue_on(platform: Platform) {
    let s = platform.start(&[("ADMIN_TOKEN", "adm1n")]);
    let c = client();
    let (status, body) = common::post(&c, &s.url(START), &serde_json::from_str(common::START).unwrap()).await;
    assert_eq!(status, 200, "{body}");
    let sid = body["session_id"].as_str().unwrap().to_string();
    let round = serde_json::json!({"contract_version": "0.5.0", "course_id": "riverside"});
    let (status, body) = common::post(&c, &s.url("/api/round/start"), &round).await;
    assert_eq!(status, 200, "{body}");
    let rid = body["round_state"]["round_id"].as_str().unwrap().to_string();
    let cases = catalogue(&sid, &rid);
    // The catalogue's real size: a case lost by an edit shows here.
    assert!(cases.len() >= CATALOGUE_SIZE, "{} cases, fewer than {CATALOGUE_SIZE}", cases.len());
    for (i, k) in cases.iter().enumerate() {
        let mut req = c.request(k.method.parse().unwrap(), s.url(&k.path));
        if let Some(ct) = k.content_type {
            req = req.header("content-type", ct);
        }
        for (h, v) in &k.headers {
            req = req.header(*h, *v);
        }
        if !k.body.is_empty() {
            req = req.body(k.body.clone());
        }
        let resp = req.send().await.unwrap_or_else(|e| panic!("case {i} {} {}: {e}", k.method, k.path));
        let status = resp.status().as_u16();
        let ct = resp.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        let body: Value = resp.json().await.unwrap_or(Value::Null);
        let label = format!(
            "{}: case {i}: {} {} {:?}",
            platform.name(),
            k.method,
            k.path,
            String::from_utf8_lossy(&k.body[..k.body.len().min(80)])
        );
        assert_eq!((status, body["error"]["code"].as_str()), (k.status, Some(k.code)), "{label}: {body}");
        assert!(ct.starts_with("application/json"), "{label}: content-type {ct}");
        check_error_shape(&body, status, |c| ErrorCode::from_code(c).map(ErrorCode::http_status))
            .unwrap_or_else(|e| panic!("{label}: {e}"));
        if let Some(f) = k.field {
            assert_eq!(body["error"]["details"]["field"], f, "{label}: {body}");
        }
    }
    // Still healthy, still serving, and the session untouched by all of it.
    let (status, h) = common::get(&c, &s.url("/health")).await;
    assert_eq!((status, h["status"].as_str()), (200, Some("healthy")));
    let (status, body) = common::get(&c, &s.url(&format!("/api/session/{sid}"))).await;
    assert_eq!(
        (status, body["hole_state"]["fix_count"].as_u64(), body["hole_state"]["revision"].as_u64()),
        (200, Some(0), Some(1))
    );
    // A charset parameter is fine.
    let r = c
        .post(s.url(START))
        .header("content-type", "application/json; charset=utf-8")
        .body(common::START)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    s.stop();
}

/// The body limit at its edge, on both platforms: exactly 64 KiB is read and
/// answered, one byte more is `payload_too_large`.
async fn body_limit_edges_on(platform: Platform) {
    let s = platform.start(&[]);
    let c = client();
    let start = common::START.trim();
    for (size, status) in [(65_536usize, 200u16), (65_537, 413)] {
        // The start body padded with spaces after its closing brace (JSON allows them).
        let body = format!("{start}{}", " ".repeat(size - start.len()));
        assert_eq!(body.len(), size);
        let r = c.post(s.url(START)).header("content-type", "application/json").body(body).send().await.unwrap();
        let got = r.status().as_u16();
        let answer: Value = r.json().await.unwrap();
        assert_eq!(got, status, "{} bytes on {}: {answer}", size, platform.name());
        if status == 413 {
            assert_eq!(answer["error"]["code"], "payload_too_large");
        }
    }
    s.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn the_body_limit_is_64_kib_exactly_natively() {
    body_limit_edges_on(Platform::Native).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_body_limit_is_64_kib_exactly_on_the_worker() {
    body_limit_edges_on(Platform::Worker).await;
}

/// Natively a body larger than 1 MiB is read no further: the server answers
/// 413 and closes the connection instead of draining the rest.
#[tokio::test(flavor = "multi_thread")]
async fn above_one_mib_the_connection_is_closed() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let s = common::Server::start(&[]);
    let addr = s.url("").trim_start_matches("http://").to_string();
    let mut conn = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let size = 3 * 1024 * 1024;
    let head =
        format!("POST {START} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: {size}\r\n\r\n");
    conn.write_all(head.as_bytes()).await.unwrap();
    // The server may stop reading (and reset) before all of it is written.
    let chunk = vec![b' '; 64 * 1024];
    for _ in 0..(size / chunk.len()) {
        if conn.write_all(&chunk).await.is_err() {
            break;
        }
    }
    let mut answer = Vec::new();
    // Well under the 10 s header timeout, which would also close a connection kept open.
    let read = tokio::time::timeout(std::time::Duration::from_secs(4), conn.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "the connection is still open after a {size}-byte body");
    let text = String::from_utf8_lossy(&answer);
    assert!(text.is_empty() || text.starts_with("HTTP/1.1 413"), "{text}");
    s.stop();
}

/// A handler that panics is answered 500 `internal_error` in the error
/// shape, with its request id, behind exactly the layers of the real router
/// (`http::layered`); the service keeps answering afterwards.
#[tokio::test(flavor = "multi_thread")]
async fn a_handler_panic_is_a_500_in_the_error_shape() {
    use axum::body::Body;
    use axum::http::Request;
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    #[allow(clippy::panic)]
    async fn panics() -> &'static str {
        panic!("a test route that panics")
    }
    let mut settings = greenside_server::settings::Settings::from_env().unwrap();
    settings.run_store = greenside_server::settings::RunBackend::Memory; // nothing written into the repository
    let state = greenside_server::build_state(settings).await.unwrap();
    let routes = axum::Router::new()
        .route("/api/panics", axum::routing::get(panics))
        .route("/api/answers", axum::routing::get(|| async { "fine" }));
    let app = greenside_server::http::layered(routes, state);
    let req = Request::get("/api/panics").header("x-request-id", "panic-test-1").body(Body::empty()).unwrap();
    let resp = app.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status().as_u16(), 500);
    assert_eq!(resp.headers()["x-request-id"], "panic-test-1");
    assert_eq!(resp.headers()["content-type"], "application/json");
    let body: Value = serde_json::from_slice(&resp.into_body().collect().await.unwrap().to_bytes()).unwrap();
    assert_eq!(body["error"]["code"], "internal_error", "{body}");
    check_error_shape(&body, 500, |c| ErrorCode::from_code(c).map(ErrorCode::http_status)).unwrap();
    assert!(!body.to_string().contains("a test route that panics"), "the panic's text stays in the log: {body}");
    let resp = app.oneshot(Request::get("/api/answers").body(Body::empty()).unwrap()).await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
}
