//! The request a task is serving: its request id, trace and session id,
//! which every line it logs carries (see the module docs of [`crate::logging`]).

use std::cell::RefCell;

tokio::task_local! {
    static REQUEST: RequestContext;
}

/// The request a task is serving (see the module docs).
#[derive(Debug)]
pub struct RequestContext {
    pub(super) request_id: String,
    pub(super) trace: crate::trace::RequestTrace,
    pub(super) session_id: RefCell<Option<String>>,
}

impl RequestContext {
    pub fn new(request_id: String, trace: crate::trace::RequestTrace) -> RequestContext {
        RequestContext { request_id, trace, session_id: RefCell::new(None) }
    }
}

/// Runs `fut` as the request `ctx`: every line it logs carries the ids.
pub async fn in_request<F: std::future::Future>(ctx: RequestContext, fut: F) -> F::Output {
    REQUEST.scope(ctx, fut).await
}

/// Notes the session the current request touches; its later lines carry
/// it. Does nothing outside a request.
pub fn record_session_id(id: &str) {
    let _ = REQUEST.try_with(|c| {
        let mut s = c.session_id.borrow_mut();
        if s.as_deref() != Some(id) {
            *s = Some(id.to_string());
        }
    });
}

/// `f` on the current request's trace, if the caller is serving one.
pub fn with_trace<R>(f: impl FnOnce(&crate::trace::RequestTrace) -> R) -> Option<R> {
    REQUEST.try_with(|c| f(&c.trace)).ok()
}

/// A span of the current request's trace (a store call, the operation);
/// none outside a request or with export off.
pub fn span(name: impl Into<std::borrow::Cow<'static, str>>) -> crate::trace::Span {
    with_trace(|t| t.span(name)).unwrap_or_else(crate::trace::Span::none)
}

/// A call to another service in the current request's trace: its span
/// and the `traceparent`/`tracestate` to send (outside a request, a new trace).
pub fn client_span(name: &'static str) -> (crate::trace::Span, String, Option<String>) {
    with_trace(|t| t.client(name)).unwrap_or_else(crate::trace::untraced_client)
}

/// `f` on the current request's context, if the caller is serving one.
pub(super) fn with_request<R>(f: impl FnOnce(&RequestContext) -> R) -> Option<R> {
    REQUEST.try_with(f).ok()
}
