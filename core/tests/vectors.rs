//! Replays every shared vector in `tests/vectors/` through the core, with a
//! minimal in-test platform (a map of records) doing what the servers do:
//! decode, load, call core, save, encode. Format: `tests/vectors/README.md`.

#![allow(clippy::unwrap_used)]

use greenside_core::api::{self, HoleStateResponse, StartRequest, StartResponse};
use greenside_core::catalog::{Catalog, LoadError};
use greenside_core::error::{ApiError, ErrorCode};
use greenside_core::example::{AUGUSTA_NATIONAL_COURSE_JSON, DATASETS_JSON, RIVERSIDE_COURSE_JSON};
use greenside_core::gcra::{Decision, Gcra};
use greenside_core::operation::{self, Operation};
use greenside_core::round::{self, RoundOp, RoundRecord};
use greenside_core::rules::Rules;
use greenside_core::run::{RunRecord, RunStatus};
use greenside_core::session::{self, SessionRecord};
use greenside_core::validate;
use greenside_testkit::{check_error_shape, load_vectors, step_body};
use serde_json::{Value, json};
use std::collections::HashMap;

struct Platform {
    catalog: Catalog,
    config: Rules,
    sessions: HashMap<String, SessionRecord>,
    rounds: HashMap<String, RoundRecord>,
    counter: u64,
}

type Reply = (u16, Value);

fn error(e: ApiError) -> Reply {
    (e.http_status(), serde_json::to_value(e.body()).unwrap())
}

impl Platform {
    fn new(config: Rules) -> Self {
        config.validate().unwrap();
        // The bundled courses, as the platforms load them.
        let catalog = Catalog::load("", "datasets.json", |p| match p {
            "datasets.json" => Ok(DATASETS_JSON.to_string()),
            "riverside/course.json" => Ok(RIVERSIDE_COURSE_JSON.to_string()),
            "augusta_national/course.json" => Ok(AUGUSTA_NATIONAL_COURSE_JSON.to_string()),
            _ => Err(LoadError::new(p, "file_unreadable", format!("{p} is not bundled"))),
        });
        assert_eq!(catalog.counts().0, 2, "both bundled courses load");
        Platform { catalog, config, sessions: HashMap::new(), rounds: HashMap::new(), counter: 0 }
    }

    /// Loads a live record; an expired one is deleted and answers 404.
    fn load(&mut self, id: &str, now: u64) -> Result<SessionRecord, ApiError> {
        validate::session_id(id)?;
        let rec = self.sessions.get(id).cloned().ok_or_else(|| session::not_found(id))?;
        if let Err(e) = session::check_live(&rec, now) {
            self.sessions.remove(id);
            return Err(e);
        }
        Ok(rec)
    }

    fn hole(
        &self,
        course_id: &str,
        hole_id: u32,
    ) -> Result<std::sync::Arc<greenside_core::classify::PreparedHole>, ApiError> {
        self.catalog.hole(course_id, hole_id)
    }

    /// A write through core's one entry point, as every platform makes it.
    fn write(&mut self, op: Operation, now: u64) -> Result<Reply, ApiError> {
        let mut rec = self.load(op.session_id(), now)?;
        let hole = self.hole(&rec.course_id, rec.hole_id)?;
        let applied = operation::apply(&mut rec, &op, &hole, &self.config, now)?;
        if applied.save {
            self.sessions.insert(rec.session_id.clone(), rec);
        }
        Ok((200, serde_json::from_slice(&applied.answer.to_json()).unwrap()))
    }

    fn round(&self, id: &str) -> Result<RoundRecord, ApiError> {
        validate::round_id(id)?;
        self.rounds.get(id).cloned().ok_or_else(|| round::not_found(id))
    }

    /// A round write through core's `round::apply`, as every platform makes it.
    fn round_write(&mut self, op: RoundOp, now: u64) -> Result<Reply, ApiError> {
        let mut rec = self.round(op.round_id())?;
        let course = self.catalog.course(&rec.course_id)?.clone();
        let holes = course.holes_in_order();
        let applied = round::apply(&mut rec, &op, &holes, &self.config, now)?;
        if applied.save {
            self.rounds.insert(rec.round_id.clone(), rec);
        }
        Ok((200, serde_json::from_slice(&applied.answer).unwrap()))
    }

    fn dispatch(&mut self, op: &str, body: &[u8], path_id: Option<&str>, now: u64) -> Result<Reply, ApiError> {
        match op {
            "round_start" => {
                let req: api::RoundStartRequest = api::decode(body)?;
                let course = self.catalog.course(&req.course_id)?.clone();
                let holes = course.holes_in_order();
                self.counter += 1;
                let mut bytes = [0u8; 16];
                bytes[..8].copy_from_slice(&self.counter.to_be_bytes());
                let rec = round::start(&req, validate::round_id_from_random(bytes), &course.course, &holes, now)?;
                let answer = round::answer_json(&rec);
                self.rounds.insert(rec.round_id.clone(), rec);
                Ok((200, serde_json::from_slice(&answer).unwrap()))
            }
            "round_set_ball_location" => self.round_write(RoundOp::SetBallLocation(api::decode(body)?), now),
            "round_next_hole" => self.round_write(RoundOp::NextHole(api::decode(body)?), now),
            "round_set_score" => self.round_write(RoundOp::SetScore(api::decode(body)?), now),
            "get_round" => {
                Ok((200, serde_json::from_slice(&round::answer_json(&self.round(path_id.unwrap_or(""))?)).unwrap()))
            }
            "delete_round" => {
                let rec = self.round(path_id.unwrap_or(""))?;
                self.rounds.remove(&rec.round_id);
                Ok((200, serde_json::to_value(round::RoundDeleted::of(&rec.round_id)).unwrap()))
            }
            "start" => {
                let req: StartRequest = api::decode(body)?;
                let hole = self.hole(&req.course_id, req.hole_id)?;
                self.counter += 1;
                let mut bytes = [0u8; 16];
                bytes[..8].copy_from_slice(&self.counter.to_be_bytes());
                let id = validate::session_id_from_random(bytes);
                let rec = session::start(&req, id.clone(), self.counter, &hole, &self.config, now)?;
                let resp = StartResponse { session_id: id.clone(), hole_state: session::hole_state(&rec) };
                self.sessions.insert(id, rec);
                Ok((200, serde_json::to_value(resp).unwrap()))
            }
            "set_cup_location" => self.write(Operation::SetCupLocation(api::decode(body)?), now),
            "set_ball_location" => self.write(Operation::SetBallLocation(api::decode(body)?), now),
            "set_ball_locations" => self.write(Operation::SetBallLocations(api::decode(body)?), now),
            "get_hole_advice" => {
                let rec = match api::decode::<api::AdviceTarget>(body)? {
                    api::AdviceTarget::Session(req) => self.load(&req.session_id, now)?,
                    api::AdviceTarget::Round(r) => {
                        let round = self.round(&r.round_id)?;
                        let hole = self.hole(&round.course_id, round.current_hole_id)?;
                        round::advice_session(&round, &hole, &self.config, now)?
                    }
                };
                let hole = self.hole(&rec.course_id, rec.hole_id)?;
                let decision =
                    greenside_core::advice::request(&rec, &hole, "run_00000000000000000000000000000001", now)?;
                Ok((200, serde_json::to_value(decision).unwrap()))
            }
            "get_session" => {
                let rec = self.load(path_id.unwrap_or(""), now)?;
                Ok((200, serde_json::to_value(HoleStateResponse { hole_state: session::hole_state(&rec) }).unwrap()))
            }
            "delete_session" => {
                let rec = self.load(path_id.unwrap_or(""), now)?;
                self.sessions.remove(&rec.session_id);
                Ok((200, json!({"deleted": true, "session_id": rec.session_id})))
            }
            other => panic!("unknown op `{other}`"),
        }
    }

    fn list_rounds(&self) -> Result<Reply, ApiError> {
        let q = greenside_core::listing::parse_rounds_query(|_| None)?;
        let mut all: Vec<_> = self.rounds.values().map(round::summary).collect();
        all.sort_by(|a, b| (b.created_at_ms, &b.round_id).cmp(&(a.created_at_ms, &a.round_id)));
        let mut page = greenside_core::listing::RoundsPageBuilder::new(&q);
        for r in &all {
            if !page.offer(r) {
                break;
            }
        }
        Ok((200, serde_json::to_value(page.finish()).unwrap()))
    }

    fn locate(&self, step: &Value) -> Result<Reply, ApiError> {
        let q = &step["query"];
        let located = greenside_core::locate::answer(
            &self.catalog,
            step["course_id"].as_str().unwrap(),
            |k| q.get(k).map(|v| v.to_string()),
            &self.config,
        )?;
        Ok((200, serde_json::to_value(located).unwrap()))
    }

    fn measure(&self, step: &Value) -> Result<Reply, ApiError> {
        let q = &step["query"];
        let measured = greenside_core::measure::answer(
            &self.catalog,
            step["course_id"].as_str().unwrap(),
            &step["hole_id"].to_string(),
            |k| q.get(k).and_then(Value::as_str).map(String::from),
            &self.config,
        )?;
        Ok((200, serde_json::to_value(measured).unwrap()))
    }
}

fn run_session(name: &str, v: &Value) -> usize {
    let config: Rules = serde_json::from_value(v.get("config").cloned().unwrap_or(json!({}))).unwrap();
    let course = v["course_id"].as_str().unwrap();
    assert!(["riverside", "augusta_national"].contains(&course), "{name}: vectors use the bundled courses");
    let mut p = Platform::new(config);
    let mut sid = String::new();
    let steps = v["steps"].as_array().unwrap();
    for (i, step) in steps.iter().enumerate() {
        let op = step["op"].as_str().unwrap();
        let now = step["now_ms"].as_u64().unwrap_or(0);
        let body = step_body(step, &sid);
        let path_id = greenside_testkit::path_id(step, &sid);
        let answer = match op {
            "list_rounds" => p.list_rounds(),
            "locate" => p.locate(step),
            "measure" => p.measure(step),
            _ => p.dispatch(op, &body, path_id.as_deref(), now),
        };
        let (status, reply) = answer.unwrap_or_else(error);
        let where_ = format!("{name} step {i} ({op})");
        assert_eq!(u64::from(status), step["expect"]["status"].as_u64().unwrap(), "{where_}: status; reply {reply}");
        if let Some(expected) = step["expect"].get("body") {
            if let Err(e) = greenside_testkit::matches(expected, &reply, "body") {
                panic!("{where_}: {e}\nreply: {reply}");
            }
        }
        if let Some(id) = greenside_testkit::started_id(op, &reply).filter(|_| status == 200) {
            sid = id;
        }
        if status >= 400 {
            check_error_shape(&reply, status, |c| ErrorCode::from_code(c).map(ErrorCode::http_status))
                .unwrap_or_else(|e| panic!("{where_}: {e}"));
        }
    }
    steps.len()
}

fn run_lifecycle(name: &str, v: &Value) -> usize {
    let mut n = 0;
    for run in v["runs"].as_array().unwrap() {
        let mut r = RunRecord::new("run_x".into(), "gs_x".into(), "riverside".into(), 1, 0);
        for t in run["transitions"].as_array().unwrap() {
            let (to, now, expect) = (t[0].as_str().unwrap(), t[1].as_u64().unwrap(), t[2].as_str().unwrap());
            let before = r.clone();
            let result = match RunStatus::parse(to).unwrap() {
                RunStatus::Processing => r.start(greenside_core::advice::PlanType::Putt, "test".into(), now),
                RunStatus::Succeeded => r.succeed(Some(1), false, now),
                RunStatus::Failed => r.fail(ErrorCode::PuttSolverTimeout, "timed out".into(), None, true, now),
                RunStatus::Queued => {
                    Err(greenside_core::run::RunError::InvalidTransition { from: r.status, to: RunStatus::Queued })
                }
            };
            match (expect, result) {
                ("ok", Ok(())) => assert_eq!(r.status.as_str(), to, "{name}"),
                (code, Err(e)) => {
                    assert_eq!(ApiError::from(e).code.as_str(), code, "{name}: {to}");
                    assert_eq!(r, before, "{name}: a refused transition changes nothing");
                }
                (code, Ok(())) => panic!("{name}: moving to {to} succeeded, expected {code}"),
            }
            n += 1;
        }
    }
    n
}

fn run_gcra(name: &str, v: &Value) -> usize {
    let g = Gcra::new(
        v["limit"].as_u64().unwrap() as u32,
        v["period_ms"].as_u64().unwrap(),
        v["burst"].as_u64().unwrap() as u32,
    )
    .unwrap();
    let mut tat = None;
    let reqs = v["requests"].as_array().unwrap();
    for (i, r) in reqs.iter().enumerate() {
        let now = r[0].as_u64().unwrap();
        match (g.check(tat, now), &r[1]) {
            (Decision::Allow { new_tat_us }, Value::String(s)) if s == "allow" => tat = Some(new_tat_us),
            (Decision::Deny { retry_after_ms }, Value::Number(n)) if n.as_u64() == Some(retry_after_ms) => {}
            (got, want) => panic!("{name} request {i} at {now}: got {got:?}, want {want}"),
        }
    }
    reqs.len()
}

#[test]
fn every_shared_vector_replays_through_the_core() {
    // Exactly the files tests/vectors/files.txt lists (load_vectors checks).
    let files = load_vectors();
    let mut steps = 0;
    for v in &files {
        let name = v["name"].as_str().unwrap();
        steps += match v["kind"].as_str().unwrap() {
            "session" => run_session(name, v),
            "run_lifecycle" => run_lifecycle(name, v),
            "gcra" => run_gcra(name, v),
            other => panic!("{name}: unknown vector kind `{other}`"),
        };
    }
    eprintln!("replayed {} vector files, {steps} steps", files.len());
}
